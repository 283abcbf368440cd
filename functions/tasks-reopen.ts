import { registerTaskAction } from '../shared/http/task-action-endpoint.js';

registerTaskAction({ name: 'tasks-reopen', route: 'tasksReopen', action: 'reopen' });
