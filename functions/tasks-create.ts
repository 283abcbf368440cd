import { randomUUID } from 'node:crypto';
import { assigneeForNewTask, CREATE_ROLES } from '../shared/domain/permissions.js';
import { newTaskDocument } from '../shared/domain/task-rules.js';
import { toTaskView } from '../shared/domain/task-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { routeUrl } from '../shared/http/routes.js';
import { createTaskSchema } from '../shared/schemas/task.js';
import { getServices } from '../shared/services.js';

registerEndpoint({
  name: 'tasks-create',
  route: 'tasksCreate',
  authenticated: true,
  roles: CREATE_ROLES,
  body: createTaskSchema,
  handler: async ({ principal, body }) => {
    const { tasks, now } = getServices();
    const document = newTaskDocument(body, {
      id: randomUUID(),
      createdBy: principal.userId,
      assignee: assigneeForNewTask(principal, body.assignee),
      now: now(),
    });
    const stored = await tasks.create(document);
    return {
      status: 201,
      data: toTaskView(stored, principal),
      headers: { Location: routeUrl('tasksGet', { id: stored.document.id }), ETag: stored.etag },
    };
  },
});
