import { CAPABILITY_ROLES } from '../shared/domain/permissions.js';
import { toUserView } from '../shared/domain/user-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { MERGE_PATCH_CONTENT_TYPES } from '../shared/http/request-body.js';
import { updateUserSchema, userIdParamsSchema, userSchema } from '../shared/schemas/user.js';
import { updateUser } from '../shared/use-cases/manage-users.js';

/** Changes a directory entry (JSON Merge Patch, If-Match required). */
registerEndpoint({
  name: 'users-update',
  route: 'usersUpdate',
  docs: {
    tag: 'Users',
    summary: 'Change a user (JSON Merge Patch)',
    description: 'Requires the admin app role.',
    success: { status: 200, description: 'The changed user', data: userSchema, headers: ['ETag'] },
    problems: [404, 412, 428],
    requestHeaders: [{ name: 'If-Match', required: true }],
  },
  authenticated: true,
  roles: CAPABILITY_ROLES.manageUsers,
  params: userIdParamsSchema,
  body: updateUserSchema,
  bodyContentTypes: MERGE_PATCH_CONTENT_TYPES,
  handler: async ({ services, params, body, request }) => {
    const stored = await updateUser(services, params.id, request.headers.get('if-match'), body);
    return { status: 200, data: toUserView(stored), headers: { ETag: stored.etag } };
  },
});
