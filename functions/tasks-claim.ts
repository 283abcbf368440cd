import { registerTaskAction } from '../shared/http/task-action-endpoint.js';

registerTaskAction({ name: 'tasks-claim', route: 'tasksClaim', action: 'claim' });
