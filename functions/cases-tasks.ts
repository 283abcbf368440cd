import { READ_ROLES, visibilityScope } from '../shared/domain/permissions.js';
import { toTaskView } from '../shared/domain/task-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { caseIdParamsSchema } from '../shared/schemas/reference.js';
import { pageQuerySchema } from '../shared/schemas/paging.js';
import { taskListSchema } from '../shared/schemas/responses.js';

/** The tasks of one case that the caller may see, by due date. */
registerEndpoint({
  name: 'cases-tasks',
  route: 'casesTasks',
  docs: {
    tag: 'Tasks',
    summary: "List a case's tasks",
    description: 'The tasks of the case that the caller may see, by due date.',
    success: { status: 200, description: 'A page of tasks', data: taskListSchema, paginated: true },
  },
  authenticated: true,
  roles: READ_ROLES,
  params: caseIdParamsSchema,
  query: pageQuerySchema,
  handler: async ({ services, principal, params, query }) => {
    const page = await services.tasks.list({ caseId: params.caseId }, visibilityScope(principal), {
      sort: 'dueDate',
      order: 'asc',
      limit: query.limit,
      cursor: query.cursor,
      caller: principal,
    });
    return {
      status: 200,
      data: page.tasks.map((task) => toTaskView(task, principal)),
      pagination: { limit: query.limit, nextCursor: page.nextCursor, hasMore: page.nextCursor !== null },
    };
  },
});
