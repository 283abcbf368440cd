import { UPDATE_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { requestWriteContext } from '../shared/http/request-write-context.js';
import { taskIdParamsSchema } from '../shared/schemas/task.js';
import { deleteTask } from '../shared/use-cases/delete-task.js';

registerEndpoint({
  name: 'tasks-delete',
  route: 'tasksDelete',
  docs: {
    tag: 'Tasks',
    summary: 'Delete a task (soft delete)',
    success: { status: 204, description: 'Deleted' },
    problems: [404, 412, 428],
    requestHeaders: [{ name: 'If-Match', required: true }],
  },
  authenticated: true,
  // Caseworkers and managers pass this gate so that a task they cannot see is still a 404 for
  // them (no existence leak); the domain then allows deletion to admins only.
  roles: UPDATE_ROLES,
  params: taskIdParamsSchema,
  handler: async ({ services, principal, params, request, correlationId, invocation }) => {
    await deleteTask(services, principal, params.id, request.headers.get('if-match'), requestWriteContext(principal, correlationId, invocation));
    return { status: 204, empty: true };
  },
});
