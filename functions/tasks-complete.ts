import { registerTaskAction } from '../shared/http/task-action-endpoint.js';

registerTaskAction({ name: 'tasks-complete', route: 'tasksComplete', action: 'complete' });
