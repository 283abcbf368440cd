import type { Principal } from '../auth/roles.js';
import { AppError, conflict, forbidden, notFound } from '../errors/app-error.js';
import type { Attachment, AttachmentContentType, AttachmentStatus, ScanState } from '../schemas/attachment.js';
import type { TaskEvent } from '../schemas/event.js';
import type { TaskDocument } from './task-document.js';

/**
 * A file attached to a task, kept on the task document itself: its state changes are then one
 * conditioned write together with their event (the same single-document atomicity as every task
 * change), and listing a task's files is the task's point read. The bytes are in Blob Storage and
 * never pass through the app.
 *
 * pending ─complete→ available ─(scan: infected)→ rejected
 *        └──────────→ rejected (not what was declared; the blob is deleted)
 * pending, available, rejected ─delete→ deleted;  pending past its upload window → removed by the sweep
 */
export interface AttachmentRecord {
  id: string;
  fileName: string;
  contentType: AttachmentContentType;
  sizeBytes: number;
  status: AttachmentStatus;
  scan: ScanState;
  rejectionReason: string | null;
  uploadedBy: { userId: string; name: string | null };
  createdAt: string;
  /** When the upload URL stops working. */
  uploadExpiresAt: string;
  completedAt: string | null;
  deletedAt: string | null;
  /** The checked copy that downloads read (set when the file became available), see fileBlobName. */
  fileBlob: string | null;
}

/** Files a task may carry at once (pending or available). */
export const MAX_ATTACHMENTS_PER_TASK = 20;
/** Records kept on a task, deleted and rejected ones included; beyond it the oldest of those go (their events stay in the trail). */
export const MAX_ATTACHMENT_RECORDS = 50;

/** Where the client uploads: the one blob its upload URL may write. */
export const incomingBlobName = (taskId: string, attachmentId: string): string => `incoming/${taskId}/${attachmentId}`;
/**
 * Where the checked copy lives: a name of its own per completion, so what was checked is exactly
 * what is served, whatever the holder of the upload URL writes to the incoming blob afterwards.
 */
export const fileBlobName = (taskId: string, attachmentId: string, copyId: string): string => `files/${taskId}/${attachmentId}/${copyId}`;

const isActive = (record: AttachmentRecord): boolean => record.status === 'pending' || record.status === 'available';

export function attachmentsOf(task: TaskDocument): AttachmentRecord[] {
  return task.attachments ?? [];
}

/** The record (not deleted), or a 404 naming it. */
export function findAttachment(task: TaskDocument, attachmentId: string): AttachmentRecord {
  const record = attachmentsOf(task).find((candidate) => candidate.id === attachmentId);
  if (!record || record.status === 'deleted') throw notFound(`No attachment ${attachmentId} exists on task ${task.id}.`);
  return record;
}

/** The task with a new pending upload; 409 when it already carries the most files it may. */
export function withPendingAttachment(task: TaskDocument, record: AttachmentRecord): TaskDocument {
  const records = attachmentsOf(task);
  if (records.filter(isActive).length >= MAX_ATTACHMENTS_PER_TASK) {
    throw new AppError('conflict', `A task carries at most ${MAX_ATTACHMENTS_PER_TASK} attachments; delete one first.`, {
      errors: [{ in: 'path', field: 'id', message: `already has ${MAX_ATTACHMENTS_PER_TASK} attachments` }],
    });
  }
  let kept = [...records, record];
  while (kept.length > MAX_ATTACHMENT_RECORDS) {
    const oldestInactive = kept.findIndex((candidate) => !isActive(candidate));
    if (oldestInactive < 0) break;
    kept = kept.filter((_, index) => index !== oldestInactive);
  }
  return { ...task, attachments: kept };
}

/** The task with one record replaced (or removed, with `undefined`). */
export function withAttachment(task: TaskDocument, attachmentId: string, next: AttachmentRecord | undefined): TaskDocument {
  const records = attachmentsOf(task);
  return { ...task, attachments: next ? records.map((record) => (record.id === attachmentId ? next : record)) : records.filter((record) => record.id !== attachmentId) };
}

/** Completing is for pending uploads only: a second complete, or one after a delete, is a 409. */
export function assertPending(record: AttachmentRecord): void {
  if (record.status !== 'pending') throw conflict(`Attachment ${record.id} is already ${record.status}: it can be completed once.`);
}

/** Admins and whoever uploaded the file may delete it. */
export function assertMayDelete(principal: Principal, record: AttachmentRecord): void {
  if (!principal.roles.includes('admin') && record.uploadedBy.userId !== principal.userId) {
    throw forbidden('Only an admin or whoever uploaded the file may delete it.');
  }
}

/**
 * Whether a file may be handed out: available, never infected, and, where malware scanning is on,
 * only once the scanner has found it clean.
 */
export function mayOffer(record: AttachmentRecord, malwareScanning: 'off' | 'defender'): boolean {
  if (record.status !== 'available' || record.scan === 'infected' || !record.fileBlob) return false;
  return malwareScanning === 'off' || record.scan === 'clean';
}

/** The record as the task events carry it. */
export function attachmentEventPayload(record: AttachmentRecord): NonNullable<TaskEvent['attachment']> {
  return {
    id: record.id,
    fileName: record.fileName,
    contentType: record.contentType,
    sizeBytes: record.sizeBytes,
    status: record.status,
    scan: record.scan,
    rejectionReason: record.rejectionReason,
  };
}

/** The record as the API shows it; the use case adds the URLs that apply. */
export function toAttachmentView(taskId: string, record: AttachmentRecord, urls: Pick<Attachment, 'uploadUrl' | 'uploadExpiresAt' | 'uploadHeaders' | 'downloadUrl' | 'downloadExpiresAt'> = {}): Attachment {
  const { id, ...described } = attachmentEventPayload(record);
  return {
    id,
    taskId,
    ...described,
    contentType: record.contentType,
    uploadedBy: record.uploadedBy,
    createdAt: record.createdAt,
    completedAt: record.completedAt,
    ...urls,
  };
}
