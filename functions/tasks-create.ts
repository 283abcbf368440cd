import { CREATE_ROLES } from '../shared/domain/permissions.js';
import { toTaskView } from '../shared/domain/task-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { routeUrl } from '../shared/http/routes.js';
import { createTaskSchema, taskSchema } from '../shared/schemas/task.js';
import { createTask } from '../shared/use-cases/create-task.js';
import { requestWriteContext } from '../shared/http/request-write-context.js';

registerEndpoint({
  name: 'tasks-create',
  route: 'tasksCreate',
  docs: {
    tag: 'Tasks',
    summary: 'Create a task',
    success: { status: 201, description: 'The new task', data: taskSchema, headers: ['Location', 'ETag'] },
    problems: [409],
  },
  authenticated: true,
  idempotencyKey: true,
  roles: CREATE_ROLES,
  body: createTaskSchema,
  handler: async ({ services, principal, body, correlationId, invocation }) => {
    const stored = await createTask(services, principal, body, requestWriteContext(principal, correlationId, invocation));
    return {
      status: 201,
      data: toTaskView(stored, principal),
      headers: { Location: routeUrl('tasksGet', { id: stored.document.id }), ETag: stored.etag },
    };
  },
});
