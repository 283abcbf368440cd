import { UPDATE_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { taskIdParamsSchema } from '../shared/schemas/task.js';
import { deleteTask } from '../shared/use-cases/delete-task.js';

registerEndpoint({
  name: 'tasks-delete',
  route: 'tasksDelete',
  authenticated: true,
  // Caseworkers and managers pass this gate so that a task they cannot see is still a 404 for
  // them (no existence leak); the domain then allows deletion to admins only.
  roles: UPDATE_ROLES,
  params: taskIdParamsSchema,
  handler: async ({ principal, params, request }) => {
    await deleteTask(principal, params.id, request.headers.get('if-match'));
    return { status: 204, empty: true };
  },
});
