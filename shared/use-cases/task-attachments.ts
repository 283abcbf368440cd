import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/roles.js';
import {
  assertMayDelete,
  assertPending,
  attachmentEventPayload,
  attachmentsOf,
  fileBlobName,
  findAttachment,
  incomingBlobName,
  mayOffer,
  toAttachmentView,
  withAttachment,
  withPendingAttachment,
  type AttachmentRecord,
} from '../domain/attachment-record.js';
import { verifyFileType, verifySize, verifyContentTypes, zipEntryAt, zipEntryInDirectory, SIGNATURE_HEAD_BYTES, type FileVerdict } from '../domain/file-signature.js';
import { assertAllowed, assertVisible } from '../domain/permissions.js';
import { recordEvent } from '../domain/task-events.js';
import { conflict } from '../errors/app-error.js';
import { publishAfterWrite } from '../events/outbox.js';
import type { Attachment, CreateAttachmentInput } from '../schemas/attachment.js';
import type { Services } from '../services.js';
import type { AttachmentStorage } from '../storage/attachment-storage.js';
import { conditionalWrite } from './conditional-write.js';
import { eventFacts, type WriteContext } from './write-context.js';

export type AttachmentDeps = Pick<Services, 'tasks' | 'attachmentStorage' | 'messaging' | 'settings' | 'now'>;

/** What a client needs to send with its PUT to the upload URL. */
export const UPLOAD_HEADERS = { 'x-ms-blob-type': 'BlockBlob' } as const;

/**
 * Opens an upload: a pending record on the task (no event: nothing is attached yet) and a URL that
 * may write one blob, chosen here, for `ATTACHMENT_UPLOAD_URL_SECONDS`. Whoever may update the task
 * may attach files to it. The URL is signed before the record is written, so a storage failure
 * leaves nothing behind. Cosmos requests: the task read and one conditioned replace.
 */
export async function openUpload(deps: AttachmentDeps, principal: Principal, taskId: string, input: CreateAttachmentInput): Promise<Attachment> {
  const snapshot = await deps.tasks.get(taskId);
  assertAllowed(principal, 'update', snapshot?.document, taskId);
  const now = deps.now();
  const record: AttachmentRecord = {
    id: randomUUID(),
    fileName: input.fileName,
    contentType: input.contentType,
    sizeBytes: input.sizeBytes,
    status: 'pending',
    scan: 'not_scanned',
    rejectionReason: null,
    uploadedBy: { userId: principal.userId, name: principal.name ?? null },
    createdAt: now.toISOString(),
    uploadExpiresAt: new Date(now.getTime() + deps.settings.attachments.uploadUrlSeconds * 1000).toISOString(),
    completedAt: null,
    deletedAt: null,
    fileBlob: null,
  };
  const uploadUrl = await deps.attachmentStorage.uploadUrl(incomingBlobName(taskId, record.id), new Date(record.uploadExpiresAt));
  await conditionalWrite(
    deps.tasks,
    taskId,
    (current) => {
      assertAllowed(principal, 'update', current?.document, taskId);
      return withPendingAttachment(current!.document, record);
    },
    snapshot,
  );
  return toAttachmentView(taskId, record, { uploadUrl, uploadExpiresAt: record.uploadExpiresAt, uploadHeaders: { ...UPLOAD_HEADERS, 'Content-Type': record.contentType } });
}

/**
 * Completes an upload. The uploaded blob is first copied, server-side, to a name of its own
 * (files/…/<copy>), and that copy is checked and served: whatever the holder of the upload URL
 * writes afterwards never reaches what was checked. The copy must be exactly the declared size
 * (and within the limit) and its first bytes must match the declared type (file-signature.ts):
 * then the file is `available`, else `rejected` with the reason and the copy deleted. The upload
 * blob is deleted either way. Nothing uploaded yet, or completed already: 409.
 *
 * The outcome and its event (task.attachment_added or task.attachment_rejected) are one
 * conditioned write: of two concurrent completes one wins, the other gets a 409 and deletes its copy.
 */
export async function completeUpload(deps: AttachmentDeps, principal: Principal, taskId: string, attachmentId: string, context: WriteContext): Promise<Attachment> {
  const snapshot = await deps.tasks.get(taskId);
  assertAllowed(principal, 'update', snapshot?.document, taskId);
  const record = findAttachment(snapshot.document, attachmentId);
  assertPending(record);
  const storage = deps.attachmentStorage;
  const incoming = incomingBlobName(taskId, attachmentId);
  const copy = fileBlobName(taskId, attachmentId, randomUUID());
  if ((await storage.copy(incoming, copy)) === 'missing') {
    throw conflict(`Nothing has been uploaded for attachment ${attachmentId} yet: PUT the file to its uploadUrl, then complete it.`);
  }
  const verdict = await inspectFile(storage, copy, record);
  const accepted = verdict.kind === 'valid';
  if (!accepted) await storage.delete(copy);

  let result;
  try {
    result = await conditionalWrite(
      deps.tasks,
      taskId,
      (current) => {
        assertAllowed(principal, 'update', current?.document, taskId);
        const latest = findAttachment(current!.document, attachmentId);
        assertPending(latest);
        const now = deps.now();
        const next: AttachmentRecord = {
          ...latest,
          status: accepted ? 'available' : 'rejected',
          rejectionReason: verdict.kind === 'invalid' ? verdict.reason : null,
          completedAt: now.toISOString(),
          fileBlob: accepted ? copy : null,
        };
        return recordEvent(current!.document, withAttachment(current!.document, attachmentId, next), {
          ...eventFacts(context, now),
          type: accepted ? 'task.attachment_added' : 'task.attachment_rejected',
          attachment: attachmentEventPayload(next),
        });
      },
      snapshot,
    );
  } catch (error) {
    if (accepted) await storage.delete(copy).catch(() => undefined);
    throw error;
  }
  await storage.delete(incoming).catch((error: unknown) => context.log.warn(`Deleting the upload blob ${incoming} failed; the storage lifecycle rule removes it.`, error));
  await publishAfterWrite(result!.after, deps, context);
  return attachmentView(deps, taskId, findAttachment(result!.after.document, attachmentId));
}

/** Reads what it must of the file to decide (the first bytes; for DOCX/XLSX maybe the ZIP directory). */
async function inspectFile(storage: AttachmentStorage, blobName: string, record: AttachmentRecord): Promise<FileVerdict> {
  const head = await storage.readRange(blobName, 0, SIGNATURE_HEAD_BYTES);
  if (!head) return { kind: 'invalid', reason: 'the uploaded file disappeared while it was being checked' };
  const size = verifySize(record.sizeBytes, head.totalSize);
  if (size.kind !== 'valid') return size;
  const type = verifyFileType(record.contentType, head.bytes, head.totalSize);
  if (type.kind !== 'needs-zip-directory') return type;
  // [Content_Types].xml is not among the first entries: find it through the central directory at the end.
  const tailOffset = Math.max(0, head.totalSize - SIGNATURE_HEAD_BYTES);
  const tail = await storage.readRange(blobName, tailOffset, head.totalSize - tailOffset);
  const location = tail ? zipEntryInDirectory(tail.bytes, tailOffset, '[Content_Types].xml') : undefined;
  if (!location) return verifyContentTypes(record.contentType, null);
  const entry = await storage.readRange(blobName, location.offset, Math.min(location.length, head.totalSize - location.offset));
  return verifyContentTypes(record.contentType, entry ? zipEntryAt(entry.bytes, location.compressedSize) : null);
}

/** The task's files (not deleted), for whoever may see the task. One Cosmos read; download URLs are signed locally. */
export async function listAttachments(deps: Pick<AttachmentDeps, 'tasks' | 'attachmentStorage' | 'settings' | 'now'>, principal: Principal, taskId: string): Promise<Attachment[]> {
  const task = await deps.tasks.get(taskId);
  assertVisible(principal, task?.document, taskId);
  const records = attachmentsOf(task.document).filter((record) => record.status !== 'deleted');
  return Promise.all(records.map((record) => attachmentView(deps, taskId, record)));
}

/** One file of the task, for whoever may see the task. */
export async function getAttachment(deps: Pick<AttachmentDeps, 'tasks' | 'attachmentStorage' | 'settings' | 'now'>, principal: Principal, taskId: string, attachmentId: string): Promise<Attachment> {
  const task = await deps.tasks.get(taskId);
  assertVisible(principal, task?.document, taskId);
  return attachmentView(deps, taskId, findAttachment(task.document, attachmentId));
}

/**
 * Deletes a file (soft: the record stays, marked deleted, and the event goes into the trail): an
 * admin or whoever uploaded it, on a task they can see. The blobs are deleted first, so a retry
 * after a failure finishes the job (storage soft delete keeps them a while in Azure).
 */
export async function deleteAttachment(deps: AttachmentDeps, principal: Principal, taskId: string, attachmentId: string, context: WriteContext): Promise<void> {
  const snapshot = await deps.tasks.get(taskId);
  assertVisible(principal, snapshot?.document, taskId);
  const record = findAttachment(snapshot.document, attachmentId);
  assertMayDelete(principal, record);
  await deps.attachmentStorage.delete(incomingBlobName(taskId, attachmentId));
  if (record.fileBlob) await deps.attachmentStorage.delete(record.fileBlob);
  const result = await conditionalWrite(
    deps.tasks,
    taskId,
    (current) => {
      assertVisible(principal, current?.document, taskId);
      const latest = findAttachment(current!.document, attachmentId);
      assertMayDelete(principal, latest);
      const now = deps.now();
      const next: AttachmentRecord = { ...latest, status: 'deleted', deletedAt: now.toISOString(), fileBlob: null };
      const task = withAttachment(current!.document, attachmentId, next);
      // An upload never completed was never part of the task: it goes without an event.
      if (latest.status === 'pending') return task;
      return recordEvent(current!.document, task, { ...eventFacts(context, now), type: 'task.attachment_deleted', attachment: attachmentEventPayload(next) });
    },
    snapshot,
  );
  if (result?.written) await publishAfterWrite(result.after, deps, context);
}

/** The record as the API shows it, with a download URL when the file may be offered. */
async function attachmentView(deps: Pick<AttachmentDeps, 'attachmentStorage' | 'settings' | 'now'>, taskId: string, record: AttachmentRecord): Promise<Attachment> {
  if (!mayOffer(record, deps.settings.attachments.malwareScanning)) return toAttachmentView(taskId, record);
  const expiresAt = new Date(deps.now().getTime() + deps.settings.attachments.downloadUrlSeconds * 1000);
  const downloadUrl = await deps.attachmentStorage.downloadUrl(record.fileBlob!, expiresAt, { fileName: record.fileName, contentType: record.contentType });
  return toAttachmentView(taskId, record, { downloadUrl, downloadExpiresAt: expiresAt.toISOString() });
}

