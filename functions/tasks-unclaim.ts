import { registerTaskAction } from '../shared/http/task-action-endpoint.js';

registerTaskAction({
  name: 'tasks-unclaim',
  route: 'tasksUnclaim',
  action: 'unclaim',
  summary: 'Give a task back',
  description: 'The assignee returns the task to the queue (unassigned, pending).',
});
