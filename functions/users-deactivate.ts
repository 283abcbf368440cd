import { CAPABILITY_ROLES } from '../shared/domain/permissions.js';
import { toUserView } from '../shared/domain/user-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { userIdParamsSchema, userSchema } from '../shared/schemas/user.js';
import { deactivateUser } from '../shared/use-cases/manage-users.js';

/**
 * Deactivates a user: from their next request they are refused, and nobody can assign them a
 * task. Their open tasks stay with them until reassigned (POST /v1/operations/reassign).
 * Idempotent; If-Match optional.
 */
registerEndpoint({
  name: 'users-deactivate',
  route: 'usersDeactivate',
  docs: {
    tag: 'Users',
    summary: 'Deactivate a user',
    description: 'Requires the admin app role.',
    success: { status: 200, description: 'The deactivated user', data: userSchema, headers: ['ETag'] },
    problems: [404, 412],
    requestHeaders: [{ name: 'If-Match', required: false }],
  },
  authenticated: true,
  roles: CAPABILITY_ROLES.manageUsers,
  params: userIdParamsSchema,
  handler: async ({ services, params, request }) => {
    const stored = await deactivateUser(services, params.id, request.headers.get('if-match'));
    return { status: 200, data: toUserView(stored), headers: { ETag: stored.etag } };
  },
});
