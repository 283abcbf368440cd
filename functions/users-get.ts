import { CAPABILITY_ROLES } from '../shared/domain/permissions.js';
import { canSeeUser } from '../shared/domain/user-rules.js';
import { toUserView } from '../shared/domain/user-view.js';
import { notFound } from '../shared/errors/app-error.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { userIdParamsSchema, userSchema } from '../shared/schemas/user.js';

registerEndpoint({
  name: 'users-get',
  route: 'usersGet',
  docs: {
    tag: 'Users',
    summary: 'Get a user',
    success: { status: 200, description: 'The user', data: userSchema, headers: ['ETag'] },
    problems: [404],
  },
  authenticated: true,
  roles: CAPABILITY_ROLES.viewUsers,
  params: userIdParamsSchema,
  handler: async ({ services, principal, params }) => {
    const user = await services.users.get(params.id);
    if (!user || !canSeeUser(principal, user.document)) throw notFound(`No user ${params.id} exists that you can see.`);
    return { status: 200, data: toUserView(user), headers: { ETag: user.etag } };
  },
});
