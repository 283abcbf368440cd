import { CAPABILITY_ROLES } from '../shared/domain/permissions.js';
import { toUserView } from '../shared/domain/user-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { routeUrl } from '../shared/http/routes.js';
import { createUserSchema, userSchema } from '../shared/schemas/user.js';
import { createUser } from '../shared/use-cases/manage-users.js';

/** Adds a user (by Entra object id) to the directory with their jurisdictions and locations. */
registerEndpoint({
  name: 'users-create',
  route: 'usersCreate',
  docs: {
    tag: 'Users',
    summary: 'Add a user to the directory',
    description: 'Requires the admin app role.',
    success: { status: 201, description: 'The new user', data: userSchema, headers: ['Location', 'ETag'] },
    problems: [409],
  },
  authenticated: true,
  idempotencyKey: true,
  roles: CAPABILITY_ROLES.manageUsers,
  body: createUserSchema,
  handler: async ({ services, body }) => {
    const stored = await createUser(services, body);
    return { status: 201, data: toUserView(stored), headers: { Location: routeUrl('usersGet', { id: stored.document.id }), ETag: stored.etag } };
  },
});
