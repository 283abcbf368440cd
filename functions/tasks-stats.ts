import { READ_ROLES, visibilityScope } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { taskStatsQuerySchema } from '../shared/schemas/task-query.js';
import { taskStatsSchema } from '../shared/schemas/responses.js';

registerEndpoint({
  name: 'tasks-stats',
  route: 'tasksStats',
  docs: {
    tag: 'Tasks',
    summary: 'Task counts',
    description: 'Counts by status and priority, and the overdue count, for the tasks the caller may see.',
    success: { status: 200, description: 'The counts', data: taskStatsSchema },
  },
  authenticated: true,
  roles: READ_ROLES,
  query: taskStatsQuerySchema,
  handler: async ({ services, principal, query }) => {
    const { tasks, now } = services;
    const assignee = query.assignee === 'me' ? principal.userId : query.assignee;
    const counts = await tasks.counts({ ...query, assignee }, visibilityScope(principal), now());
    return { status: 200, data: counts };
  },
});
