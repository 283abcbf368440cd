import { toNoteView } from '../shared/domain/note-document.js';
import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { requestWriteContext } from '../shared/http/request-write-context.js';
import { createNoteSchema, noteSchema } from '../shared/schemas/note.js';
import { taskIdParamsSchema } from '../shared/schemas/task.js';
import { addNote } from '../shared/use-cases/task-notes.js';

registerEndpoint({
  name: 'tasks-notes-create',
  route: 'tasksNotesCreate',
  docs: {
    tag: 'Notes',
    summary: 'Add a note to a task',
    description:
      'Append-only: a note is never edited (an admin may redact one). Whoever may update the task may add one. ' +
      'The note is a `task.note_added` event in the task\'s audit trail, so it makes a new task version (ETag). ' +
      'Text: 1-4,000 characters, no control characters other than tabs and line breaks.',
    success: { status: 201, description: 'The note', data: noteSchema },
    problems: [404, 409],
  },
  authenticated: true,
  idempotencyKey: true,
  // Every reading role passes, so a task out of the caller's scope is a 404 for them too; the domain
  // then decides who may add (whoever may update the task: a viewer in scope gets 403).
  roles: READ_ROLES,
  params: taskIdParamsSchema,
  body: createNoteSchema,
  handler: async ({ services, principal, params, body, correlationId, invocation }) => {
    const note = await addNote(services, principal, params.id, body, requestWriteContext(principal, correlationId, invocation));
    return { status: 201, data: toNoteView(note) };
  },
});
