import { assertVisible, READ_ROLES } from '../shared/domain/permissions.js';
import { toTaskView } from '../shared/domain/task-view.js';
import { matchesIfNoneMatch } from '../shared/domain/entity-tags.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { taskIdParamsSchema, taskSchema } from '../shared/schemas/task.js';

registerEndpoint({
  name: 'tasks-get',
  route: 'tasksGet',
  docs: {
    tag: 'Tasks',
    summary: 'Get a task',
    success: { status: 200, description: 'The task', data: taskSchema, headers: ['ETag'] },
    alsoReturns: [{ status: 304, description: 'Not modified since the ETag in If-None-Match', headers: ['ETag'] }],
    problems: [404],
    requestHeaders: [{ name: 'If-None-Match', required: false }],
  },
  authenticated: true,
  roles: READ_ROLES,
  params: taskIdParamsSchema,
  handler: async ({ services, principal, params, request }) => {
    const stored = await services.tasks.get(params.id);
    assertVisible(principal, stored?.document, params.id);
    // allowedActions depends on the caller, so the ETag is the document's version only while the
    // caller's rights are unchanged; that is what a client revalidating its own copy needs.
    if (matchesIfNoneMatch(request.headers.get('if-none-match'), stored!.etag)) {
      return { status: 304, empty: true, headers: { ETag: stored!.etag } };
    }
    return { status: 200, data: toTaskView(stored!, principal), headers: { ETag: stored!.etag } };
  },
});
