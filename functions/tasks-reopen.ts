import { registerTaskAction } from '../shared/http/task-action-endpoint.js';

registerTaskAction({
  name: 'tasks-reopen',
  route: 'tasksReopen',
  action: 'reopen',
  summary: 'Reopen a finished task',
  description: 'Managers and admins bring a completed or cancelled task back to pending.',
});
