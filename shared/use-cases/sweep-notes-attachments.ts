import { randomUUID } from 'node:crypto';
import { attachmentEventPayload, attachmentsOf, incomingBlobName, withAttachment, type AttachmentRecord } from '../domain/attachment-record.js';
import { recordEvent, SYSTEM_ACTOR } from '../domain/task-events.js';
import { publishOutbox } from '../events/outbox.js';
import type { ScanState } from '../schemas/attachment.js';
import type { Services } from '../services.js';
import { conditionalWrite } from './conditional-write.js';
import { applyNoteWrite } from './task-notes.js';

/** Tasks looked at per kind of work and run: a long backlog is worked off over several runs. */
export const SWEEP_BATCH = 100;
/** A note write older than this was left by a crash (a request finishes its own within moments). */
export const NOTE_WRITE_GRACE_MS = 60 * 1000;
/** An upload whose URL expired this long ago is abandoned (a PUT that began just before expiry has finished by then). */
export const UPLOAD_GRACE_MS = 15 * 60 * 1000;

/** The index tag Microsoft Defender for Storage writes its verdict to, and the verdicts it writes. */
export const DEFENDER_SCAN_RESULT_TAG = 'Malware Scanning scan result';
const DEFENDER_VERDICTS: Readonly<Record<string, Exclude<ScanState, 'not_scanned'>>> = {
  'No threats found': 'clean',
  Malicious: 'infected',
};

export interface SweepOutcome {
  noteWritesFinished: number;
  uploadsRemoved: number;
  scansRecorded: number;
  infected: number;
}

export type SweepDeps = Pick<Services, 'tasks' | 'notes' | 'attachmentStorage' | 'messaging' | 'settings' | 'now'>;

/**
 * The housekeeping of notes and attachments, run by a timer (functions/notes-attachments-sweep.ts):
 * 1. note writes a crash left on a task (committed with their events) are written;
 * 2. uploads never completed are removed, blob and record, once their URL has long expired;
 * 3. with malware scanning on, the scan results Defender for Storage wrote to the files' index
 *    tags are recorded (`task.attachment_scanned`); an infected file is deleted and rejected, so
 *    it is never offered. Files without a verdict yet are asked again next run.
 * Each step is idempotent and conditioned on the task's version, so overlapping runs or a request
 * racing the sweep change nothing twice.
 */
export async function sweepNotesAndAttachments(deps: SweepDeps, correlationId: string, traceparent?: string): Promise<SweepOutcome> {
  const outcome: SweepOutcome = { noteWritesFinished: 0, uploadsRemoved: 0, scansRecorded: 0, infected: 0 };
  const now = deps.now();

  for (const task of await deps.tasks.withNoteWritesBefore(new Date(now.getTime() - NOTE_WRITE_GRACE_MS), SWEEP_BATCH)) {
    let latest = task;
    for (const write of task.document.noteWrites ?? []) {
      latest = await applyNoteWrite(deps, latest, write);
      outcome.noteWritesFinished += 1;
    }
  }

  const abandonedBefore = new Date(now.getTime() - UPLOAD_GRACE_MS).toISOString();
  const abandoned = (record: AttachmentRecord) => record.status === 'pending' && record.uploadExpiresAt < abandonedBefore;
  for (const task of await deps.tasks.withExpiredUploads(new Date(abandonedBefore), SWEEP_BATCH)) {
    const taskId = task.document.id;
    const records = attachmentsOf(task.document).filter(abandoned);
    for (const record of records) await deps.attachmentStorage.delete(incomingBlobName(taskId, record.id));
    const result = await conditionalWrite(deps.tasks, taskId, (current) => {
      if (!current) return undefined;
      const gone = attachmentsOf(current.document).filter(abandoned);
      // Never shown as part of the task (no event recorded its opening): the records simply go.
      return gone.length === 0 ? undefined : gone.reduce((document, record) => withAttachment(document, record.id, undefined), current.document);
    }, task);
    if (result?.written) outcome.uploadsRemoved += attachmentsOf(result.before.document).filter(abandoned).length;
  }

  if (deps.settings.attachments.malwareScanning === 'defender') {
    for (const task of await deps.tasks.withUnscannedFiles(SWEEP_BATCH)) {
      for (const record of attachmentsOf(task.document).filter((candidate) => candidate.status === 'available' && candidate.scan === 'not_scanned')) {
        const verdict = DEFENDER_VERDICTS[(await deps.attachmentStorage.tags(record.fileBlob!))?.[DEFENDER_SCAN_RESULT_TAG] ?? ''];
        if (!verdict) continue;
        if (verdict === 'infected') await deps.attachmentStorage.delete(record.fileBlob!);
        const recorded = await recordScan(deps, task.document.id, record.id, verdict, correlationId, traceparent);
        if (recorded) {
          outcome.scansRecorded += 1;
          if (verdict === 'infected') outcome.infected += 1;
        }
      }
    }
  }
  return outcome;
}

/** The verdict on one file and its `task.attachment_scanned` event, in one conditioned write. */
async function recordScan(deps: SweepDeps, taskId: string, attachmentId: string, verdict: 'clean' | 'infected', correlationId: string, traceparent?: string): Promise<boolean> {
  const result = await conditionalWrite(deps.tasks, taskId, (current) => {
    const latest = current && attachmentsOf(current.document).find((record) => record.id === attachmentId);
    if (!latest || latest.status !== 'available' || latest.scan !== 'not_scanned') return undefined;
    const now = deps.now();
    const next: AttachmentRecord =
      verdict === 'clean'
        ? { ...latest, scan: 'clean' }
        : { ...latest, scan: 'infected', status: 'rejected', rejectionReason: 'Microsoft Defender for Storage found malware in the file; it was deleted', fileBlob: null };
    return recordEvent(current!.document, withAttachment(current!.document, attachmentId, next), {
      eventId: randomUUID(),
      actor: SYSTEM_ACTOR,
      correlationId,
      now,
      type: 'task.attachment_scanned',
      attachment: attachmentEventPayload(next),
    });
  });
  if (!result?.written) return false;
  // Stored with its event; if publishing fails the outbox relay publishes it.
  await publishOutbox(result.after, deps, traceparent).catch(() => undefined);
  return true;
}
