import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/roles.js';
import { noteTextHash, redactNote, withNoteWrite, type NoteDocument, type NoteWrite } from '../domain/note-document.js';
import { assertAllowed, assertVisible } from '../domain/permissions.js';
import type { StoredTask } from '../domain/task-document.js';
import { recordEvent } from '../domain/task-events.js';
import { forbidden } from '../errors/app-error.js';
import { publishAfterWrite } from '../events/outbox.js';
import type { CreateNoteInput } from '../schemas/note.js';
import type { Services } from '../services.js';
import type { PageRequest } from '../store/paged-query.js';
import { conditionalWrite } from './conditional-write.js';
import { eventFacts, type WriteContext } from './write-context.js';

export type NoteDeps = Pick<Services, 'tasks' | 'notes' | 'messaging' | 'now'>;

/**
 * Adds a note to a task: whoever may update the task may add one (404 out of scope, 403/409 as for
 * an update). The note and its `task.note_added` event are committed together, in one conditioned
 * write of the task (its outbox, and the note document to write); the note document is written
 * next and the pending write cleared. A crash in between leaves the write on the task, and
 * notes-attachments-sweep finishes it: a note is never listed without its event in the trail, nor
 * an event recorded for a note that is then lost.
 *
 * Cosmos requests: the task read, its conditioned replace, the note's create, a patch clearing the
 * note write, and the outbox patch after publishing (tests/unit/http/round-trips.test.ts).
 */
export async function addNote(deps: NoteDeps, principal: Principal, taskId: string, input: CreateNoteInput, context: WriteContext): Promise<NoteDocument> {
  const snapshot = await deps.tasks.get(taskId);
  assertAllowed(principal, 'update', snapshot?.document, taskId);
  const noteId = randomUUID();
  let write: NoteWrite | undefined;
  const result = await conditionalWrite(
    deps.tasks,
    taskId,
    (current) => {
      assertAllowed(principal, 'update', current?.document, taskId);
      const now = deps.now();
      const facts = eventFacts(context, now);
      const task = current!.document;
      write = {
        kind: 'create',
        eventId: facts.eventId,
        note: { id: noteId, taskId, sequence: task.version + 1, text: input.text, author: context.actor, createdAt: now.toISOString(), redaction: null, schemaVersion: 1 },
      };
      return recordEvent(task, withNoteWrite(task, write, now), { ...facts, type: 'task.note_added', note: { id: noteId, textSha256: noteTextHash(input.text) } });
    },
    snapshot,
  );
  await finishNoteWrite(deps, result!.after, write!, context);
  return write!.note;
}

/**
 * An admin redacts a note: its text is replaced, who, when and why are recorded on it, and the
 * `task.note_redacted` event (carrying the hash of the text that was removed, and the reason) goes
 * into the trail, committed like an added note. Out of scope: 404; not an admin: 403; redacted
 * already: 409.
 */
export async function redactTaskNote(
  deps: NoteDeps,
  principal: Principal,
  taskId: string,
  noteId: string,
  reason: string,
  context: WriteContext,
): Promise<NoteDocument> {
  const snapshot = await deps.tasks.get(taskId);
  assertVisible(principal, snapshot?.document, taskId);
  if (!principal.roles.includes('admin')) throw forbidden('Only an admin may redact a note.');
  const stored = await deps.notes.get(taskId, noteId);
  let write: NoteWrite | undefined;
  let original: NoteDocument | undefined;
  const result = await conditionalWrite(
    deps.tasks,
    taskId,
    (current) => {
      assertVisible(principal, current?.document, taskId);
      const task = current!.document;
      // A write still pending on the task is newer than the note document (not written yet after a crash).
      original = task.noteWrites?.find((pending) => pending.note.id === noteId)?.note ?? stored;
      const now = deps.now();
      const facts = eventFacts(context, now);
      write = { kind: 'redact', eventId: facts.eventId, note: redactNote(original, taskId, noteId, principal, reason, now) };
      return recordEvent(task, withNoteWrite(task, write, now), { ...facts, type: 'task.note_redacted', note: { id: noteId, textSha256: noteTextHash(original!.text), reason } });
    },
    snapshot,
  );
  await finishNoteWrite(deps, result!.after, write!, context);
  return write!.note;
}

/** A page of the task's notes, newest first, for whoever may see the task. */
export async function listNotes(deps: Pick<Services, 'tasks' | 'notes'>, principal: Principal, taskId: string, page: PageRequest): Promise<{ notes: NoteDocument[]; nextCursor: string | null }> {
  const task = await deps.tasks.get(taskId);
  assertVisible(principal, task?.document, taskId);
  return deps.notes.page(taskId, page);
}

/**
 * Writes a pending note document and clears it from the task, then publishes the task's events.
 * Idempotent: a create never overwrites (a late one cannot undo a redaction), a redaction writes
 * the same state again. Returns the task as last written.
 */
export async function applyNoteWrite(deps: Pick<Services, 'tasks' | 'notes'>, task: StoredTask, write: NoteWrite): Promise<StoredTask> {
  if (write.kind === 'create') await deps.notes.create(write.note);
  else await deps.notes.put(write.note);
  return (await deps.tasks.removeNoteWrite(task, write.eventId)) ?? task;
}

async function finishNoteWrite(deps: NoteDeps, task: StoredTask, write: NoteWrite, context: WriteContext): Promise<void> {
  let latest = task;
  try {
    latest = await applyNoteWrite(deps, task, write);
  } catch (error) {
    // Committed with its event: the sweep writes the note; the caller's answer does not depend on it.
    context.log.warn(`Writing note ${write.note.id} of task ${task.document.id} failed; notes-attachments-sweep will finish it.`, error instanceof Error ? error.message : error);
  }
  await publishAfterWrite(latest, deps, context);
}
