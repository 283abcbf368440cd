import { z } from 'zod';
import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { pageQuerySchema } from '../shared/schemas/paging.js';
import { taskIdParamsSchema } from '../shared/schemas/task.js';
import { taskForHistory } from '../shared/use-cases/task-history.js';
import { auditRecordSchema } from '../shared/schemas/responses.js';

/** The audit trail of one task, oldest first: who did what, when, and the task before and after. */
registerEndpoint({
  name: 'tasks-history',
  route: 'tasksHistory',
  docs: {
    tag: 'History',
    summary: "A task's audit trail",
    description: 'Oldest first: who did what, when, and the task before and after.',
    success: { status: 200, description: 'A page of audit records', data: z.array(auditRecordSchema), paginated: true },
    problems: [404],
  },
  authenticated: true,
  roles: READ_ROLES,
  params: taskIdParamsSchema,
  query: pageQuerySchema,
  handler: async ({ services, principal, params, query }) => {
    await taskForHistory(services, principal, params.id);
    const page = await services.audit.page(params.id, { limit: query.limit, cursor: query.cursor, caller: principal });
    return {
      status: 200,
      data: page.records,
      pagination: { limit: query.limit, nextCursor: page.nextCursor, hasMore: page.nextCursor !== null },
    };
  },
});
