import { registerTaskAction } from '../shared/http/task-action-endpoint.js';

registerTaskAction({ name: 'tasks-unclaim', route: 'tasksUnclaim', action: 'unclaim' });
