import { toNoteView } from '../shared/domain/note-document.js';
import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { requestWriteContext } from '../shared/http/request-write-context.js';
import { noteParamsSchema, noteSchema, redactNoteSchema } from '../shared/schemas/note.js';
import { redactTaskNote } from '../shared/use-cases/task-notes.js';

registerEndpoint({
  name: 'tasks-notes-redact',
  route: 'tasksNotesRedact',
  docs: {
    tag: 'Notes',
    summary: 'Redact a note (admin)',
    description:
      'Admins only. The text is replaced by `[redacted]` and the redaction (who, when, why) is recorded on the note and as a ' +
      '`task.note_redacted` event in the audit trail, which keeps only a hash of the removed text. 409 when already redacted.',
    success: { status: 200, description: 'The redacted note', data: noteSchema },
    problems: [404, 409],
  },
  authenticated: true,
  // Every reading role passes, so a task out of the caller's scope is a 404 (not a 403) for them too.
  roles: READ_ROLES,
  params: noteParamsSchema,
  body: redactNoteSchema,
  handler: async ({ services, principal, params, body, correlationId, invocation }) => {
    const note = await redactTaskNote(services, principal, params.id, params.noteId, body.reason, requestWriteContext(principal, correlationId, invocation));
    return { status: 200, data: toNoteView(note) };
  },
});
