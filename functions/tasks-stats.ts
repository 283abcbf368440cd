import { READ_ROLES, visibilityScope } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { taskStatsQuerySchema } from '../shared/schemas/task-query.js';
import { getServices } from '../shared/services.js';

registerEndpoint({
  name: 'tasks-stats',
  route: 'tasksStats',
  authenticated: true,
  roles: READ_ROLES,
  query: taskStatsQuerySchema,
  handler: async ({ principal, query }) => {
    const { tasks, now } = getServices();
    const assignee = query.assignee === 'me' ? principal.userId : query.assignee;
    const counts = await tasks.counts({ ...query, assignee }, visibilityScope(principal), now());
    return { status: 200, data: counts };
  },
});
