import { READ_ROLES, visibilityScope } from '../shared/domain/permissions.js';
import { toTaskView } from '../shared/domain/task-view.js';
import { listFilter } from '../shared/domain/list-filter.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { listTasksQuerySchema } from '../shared/schemas/task-query.js';
import { taskListSchema } from '../shared/schemas/responses.js';

registerEndpoint({
  name: 'tasks-list',
  route: 'tasksList',
  docs: {
    tag: 'Tasks',
    summary: 'List tasks',
    description: 'Tasks in the caller scope, filtered, sorted and paged with an opaque cursor.',
    success: { status: 200, description: 'A page of tasks', data: taskListSchema, paginated: true },
  },
  authenticated: true,
  roles: READ_ROLES,
  query: listTasksQuerySchema,
  handler: async ({ services, principal, query }) => {
    const { sort, order, limit, cursor, ...filters } = query;
    const page = await services.tasks.list(listFilter(filters, principal), visibilityScope(principal), { sort, order, limit, cursor, caller: principal });
    return {
      status: 200,
      data: page.tasks.map((task) => toTaskView(task, principal)),
      pagination: { limit, nextCursor: page.nextCursor, hasMore: page.nextCursor !== null },
    };
  },
});
