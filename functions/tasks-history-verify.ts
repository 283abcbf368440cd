import { verifyChain } from '../shared/domain/audit-chain.js';
import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { taskIdParamsSchema } from '../shared/schemas/task.js';
import { taskForHistory } from '../shared/use-cases/task-history.js';
import { chainReportSchema } from '../shared/schemas/responses.js';

/** Whether a task's audit trail is intact (no record altered, missing or out of place) and complete. */
registerEndpoint({
  name: 'tasks-history-verify',
  route: 'tasksHistoryVerify',
  docs: {
    tag: 'History',
    summary: "Verify a task's audit trail",
    description: 'Whether the hash chain is intact (no record altered, missing or out of place) and up to date.',
    success: { status: 200, description: 'The verification report', data: chainReportSchema },
    problems: [404],
  },
  authenticated: true,
  roles: READ_ROLES,
  params: taskIdParamsSchema,
  handler: async ({ services, principal, params }) => {
    const task = await taskForHistory(services, principal, params.id);
    const records = await services.audit.all(params.id);
    return { status: 200, data: { taskId: params.id, ...verifyChain(records, task.document) } };
  },
});
