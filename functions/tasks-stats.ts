import { READ_ROLES, visibilityScope } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { taskStatsQuerySchema } from '../shared/schemas/task-query.js';
import { taskStatsSchema } from '../shared/schemas/responses.js';
import { taskStats } from '../shared/use-cases/task-stats.js';

registerEndpoint({
  name: 'tasks-stats',
  route: 'tasksStats',
  docs: {
    tag: 'Tasks',
    summary: 'Task counts',
    description:
      'Counts by status and priority, and the overdue count, for the tasks the caller may see. Served from counters maintained from the task events: they follow a change within moments, not in the same instant.',
    success: { status: 200, description: 'The counts', data: taskStatsSchema },
  },
  authenticated: true,
  roles: READ_ROLES,
  query: taskStatsQuerySchema,
  handler: async ({ services, principal, query }) => {
    const assignee = query.assignee === 'me' ? principal.userId : query.assignee;
    return { status: 200, data: await taskStats(services, visibilityScope(principal), { ...query, assignee }) };
  },
});
