import { registerTaskAction } from '../shared/http/task-action-endpoint.js';
import { assignTaskSchema } from '../shared/schemas/task.js';

registerTaskAction({ name: 'tasks-assign', route: 'tasksAssign', action: 'assign', body: assignTaskSchema });
