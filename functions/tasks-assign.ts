import { registerTaskAction } from '../shared/http/task-action-endpoint.js';
import { assignTaskSchema } from '../shared/schemas/task.js';

registerTaskAction({
  name: 'tasks-assign',
  route: 'tasksAssign',
  action: 'assign',
  summary: 'Assign a task',
  description: 'Managers and admins assign the task to an active user who works in its jurisdiction and location, or to nobody (null).',
  body: assignTaskSchema,
});
