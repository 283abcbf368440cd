import { registerTaskAction } from '../shared/http/task-action-endpoint.js';
import { cancelTaskSchema } from '../shared/schemas/task.js';

registerTaskAction({ name: 'tasks-cancel', route: 'tasksCancel', action: 'cancel', body: cancelTaskSchema });
