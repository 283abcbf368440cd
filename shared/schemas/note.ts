import { z } from 'zod';
import { sensitive, uuidSchema } from './primitives.js';
import { actorSchema } from './event.js';

/** Longest note, in characters (Unicode code points, not UTF-16 units). */
export const NOTE_MAX_CHARACTERS = 4000;

/**
 * Control characters other than tab and line breaks: a note is free text written in a text box,
 * so it keeps its lines; anything else of C0/C1 breaks logs and screens.
 */
const NOTE_FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Body of `POST /v1/tasks/{id}/notes`. (Well-formed Unicode is checked by the pipeline for every string.) */
export const createNoteSchema = z
  .strictObject({
    text: sensitive(
      z
        .string()
        .max(NOTE_MAX_CHARACTERS * 2)
        .refine((text) => text.trim().length > 0, 'must not be empty')
        .refine((text) => [...text].length <= NOTE_MAX_CHARACTERS, `must be at most ${NOTE_MAX_CHARACTERS} characters`)
        .refine((text) => !NOTE_FORBIDDEN_CONTROLS.test(text), 'must not contain control characters (tabs and line breaks are fine)'),
    ),
  })
  .meta({ id: 'NewNote', example: { text: 'Called the appellant: the bundle is due Friday.' } });
export type CreateNoteInput = z.infer<typeof createNoteSchema>;

/** Body of `POST /v1/tasks/{id}/notes/{noteId}/redact`. */
export const redactNoteSchema = z
  .strictObject({
    reason: sensitive(
      z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(500, 'must be at most 500 characters')
        .refine((value) => !NOTE_FORBIDDEN_CONTROLS.test(value), 'must not contain control characters'),
    ),
  })
  .meta({ id: 'NoteRedaction', example: { reason: 'Contained the appellant\'s medical details' } });
export type RedactNoteInput = z.infer<typeof redactNoteSchema>;

export const noteParamsSchema = z.strictObject({ id: uuidSchema, noteId: uuidSchema });

const instant = z.string().max(40).meta({ format: 'date-time' });

/** What replaces the text of a redacted note. */
export const REDACTED_TEXT = '[redacted]';

/** A note as the API returns it. */
export const noteSchema = z
  .object({
    id: uuidSchema,
    taskId: uuidSchema,
    /** The text, or `[redacted]` once an admin has redacted the note. */
    text: sensitive(z.string().max(NOTE_MAX_CHARACTERS * 2)),
    author: actorSchema.extend({ userId: z.string().max(128), name: sensitive(z.string().max(255)).nullable() }),
    createdAt: instant,
    /** Set when an admin redacted the note: who, when, why. The original text is gone. */
    redaction: z
      .object({
        redactedAt: instant,
        redactedBy: actorSchema.extend({ userId: z.string().max(128), name: sensitive(z.string().max(255)).nullable() }),
        reason: sensitive(z.string().max(500)),
      })
      .nullable(),
  })
  .meta({
    id: 'Note',
    example: {
      id: '9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
      taskId: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      text: 'Called the appellant: the bundle is due Friday.',
      author: { userId: 'c0000000-0000-4000-8000-000000000001', name: 'Sam Caseworker' },
      createdAt: '2030-01-10T09:30:00.000Z',
      redaction: null,
    },
  });
export type Note = z.infer<typeof noteSchema>;
