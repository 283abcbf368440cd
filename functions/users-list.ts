import { z } from 'zod';
import { CAPABILITY_ROLES } from '../shared/domain/permissions.js';
import { userDirectoryScope } from '../shared/domain/user-rules.js';
import { toUserView } from '../shared/domain/user-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import type { Jurisdiction } from '../shared/schemas/task.js';
import { listUsersQuerySchema, userSchema } from '../shared/schemas/user.js';

/** The directory, filtered by role, jurisdiction and active; managers see the people of their jurisdictions. */
registerEndpoint({
  name: 'users-list',
  route: 'usersList',
  docs: {
    tag: 'Users',
    summary: 'List users',
    success: { status: 200, description: 'A page of users', data: z.array(userSchema), paginated: true },
  },
  authenticated: true,
  roles: CAPABILITY_ROLES.viewUsers,
  query: listUsersQuerySchema,
  handler: async ({ services, principal, query }) => {
    const { limit, cursor, ...filter } = query;
    const scope = userDirectoryScope(principal) as readonly Jurisdiction[] | 'all';
    const page = await services.users.list(filter, scope, { limit, cursor, caller: principal });
    return {
      status: 200,
      data: page.users.map(toUserView),
      pagination: { limit, nextCursor: page.nextCursor, hasMore: page.nextCursor !== null },
    };
  },
});
