import { verifyChain } from '../shared/domain/audit-chain.js';
import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { taskIdParamsSchema } from '../shared/schemas/task.js';
import { getServices } from '../shared/services.js';
import { taskForHistory } from '../shared/use-cases/task-history.js';

/** Whether a task's audit trail is intact (no record altered, missing or out of place) and complete. */
registerEndpoint({
  name: 'tasks-history-verify',
  route: 'tasksHistoryVerify',
  authenticated: true,
  roles: READ_ROLES,
  params: taskIdParamsSchema,
  handler: async ({ principal, params }) => {
    const task = await taskForHistory(principal, params.id);
    const records = await getServices().audit.all(params.id);
    return { status: 200, data: { taskId: params.id, ...verifyChain(records, task.document) } };
  },
});
