import { registerTaskAction } from '../shared/http/task-action-endpoint.js';
import { cancelTaskSchema } from '../shared/schemas/task.js';

registerTaskAction({
  name: 'tasks-cancel',
  route: 'tasksCancel',
  action: 'cancel',
  summary: 'Cancel a task',
  description: 'The assignee, a manager or an admin cancels the task, with a reason.',
  body: cancelTaskSchema,
});
