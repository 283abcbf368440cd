import { z } from 'zod';
import { toNoteView } from '../shared/domain/note-document.js';
import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { noteSchema } from '../shared/schemas/note.js';
import { cursorParam, integerLimitParam } from '../shared/schemas/paging.js';
import { taskIdParamsSchema } from '../shared/schemas/task.js';
import { listNotes } from '../shared/use-cases/task-notes.js';

const notesQuerySchema = z.strictObject({ limit: integerLimitParam(20), cursor: cursorParam.optional() });

registerEndpoint({
  name: 'tasks-notes-list',
  route: 'tasksNotesList',
  docs: {
    tag: 'Notes',
    summary: "A task's notes",
    description: 'Newest first, paged (`limit` 1-100, default 20; `cursor` from `pagination.nextCursor`). Whoever may see the task may read them.',
    success: { status: 200, description: 'A page of notes', data: z.array(noteSchema), paginated: true },
    problems: [404],
  },
  authenticated: true,
  roles: READ_ROLES,
  params: taskIdParamsSchema,
  query: notesQuerySchema,
  handler: async ({ services, principal, params, query }) => {
    const page = await listNotes(services, principal, params.id, { limit: query.limit, cursor: query.cursor, caller: principal });
    return {
      status: 200,
      data: page.notes.map(toNoteView),
      pagination: { limit: query.limit, nextCursor: page.nextCursor, hasMore: page.nextCursor !== null },
    };
  },
});
