import { registerTaskAction } from '../shared/http/task-action-endpoint.js';

registerTaskAction({
  name: 'tasks-complete',
  route: 'tasksComplete',
  action: 'complete',
  summary: 'Complete a task',
  description: 'The assignee, a manager or an admin completes the task.',
});
