import { createHash } from 'node:crypto';
import type { Principal } from '../auth/roles.js';
import { conflict, notFound } from '../errors/app-error.js';
import { REDACTED_TEXT, type Note } from '../schemas/note.js';
import type { TaskDocument } from './task-document.js';

/**
 * A note on a task, as stored in the `notes` container (partition key: the task id). Notes are
 * append-only: the text is never edited; an admin may redact one, which replaces the text and
 * records who, when and why. `sequence` is the task event that added it, so a task's notes sort
 * newest first on one field.
 */
export interface NoteDocument {
  id: string;
  taskId: string;
  sequence: number;
  text: string;
  author: { userId: string; name: string | null };
  createdAt: string;
  redaction: { redactedAt: string; redactedBy: { userId: string; name: string | null }; reason: string } | null;
  schemaVersion: 1;
}

/**
 * A note document write that rides on the task write holding its event, so the two cannot part:
 * `create` (written with create: never overwrites, so a late retry cannot undo a redaction) or
 * `redact` (written over the note). Applying one again changes nothing.
 */
export interface NoteWrite {
  kind: 'create' | 'redact';
  /** The event that records it: identifies this write among the task's pending ones. */
  eventId: string;
  note: NoteDocument;
}

/** The SHA-256 (hex) of a note's text, which its events carry instead of the text. */
export const noteTextHash = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The task with one more note write pending (the task write also records the event). */
export function withNoteWrite(task: TaskDocument, write: NoteWrite, now: Date): TaskDocument {
  const pending = (task.noteWrites ?? []).filter((existing) => existing.note.id !== write.note.id);
  return { ...task, noteWrites: [...pending, write], noteWritesSince: task.noteWritesSince ?? now.toISOString() };
}

/** A redacted copy of the note: the text is gone, the redaction recorded. Redacting twice is a 409. */
export function redactNote(note: NoteDocument | undefined, taskId: string, noteId: string, principal: Principal, reason: string, now: Date): NoteDocument {
  if (!note || note.taskId !== taskId) throw notFound(`No note ${noteId} exists on task ${taskId}.`);
  if (note.redaction) throw conflict(`Note ${noteId} was already redacted on ${note.redaction.redactedAt}.`);
  return {
    ...note,
    text: REDACTED_TEXT,
    redaction: { redactedAt: now.toISOString(), redactedBy: { userId: principal.userId, name: principal.name ?? null }, reason },
  };
}

export function toNoteView(note: NoteDocument): Note {
  return { id: note.id, taskId: note.taskId, text: note.text, author: note.author, createdAt: note.createdAt, redaction: note.redaction };
}
