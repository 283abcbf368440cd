import { applyUserChange } from '../shared/domain/user-rules.js';
import { toUserView } from '../shared/domain/user-view.js';
import { notFound } from '../shared/http/api-error.js';
import { requireIfMatch } from '../shared/http/conditional.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { userIdParamsSchema, userSchema } from '../shared/schemas/user.js';
import { getServices } from '../shared/services.js';

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
  roles: ['admin'],
  params: userIdParamsSchema,
  handler: async ({ params, request }) => {
    const { users, now } = getServices();
    const current = await users.get(params.id);
    if (!current) throw notFound(`No user ${params.id} exists.`);
    const ifMatch = request.headers.get('if-match');
    if (ifMatch) requireIfMatch(ifMatch, current.etag);
    const stored = current.document.active ? await users.replace(applyUserChange(current.document, { active: false }, now()), current) : current;
    return { status: 200, data: toUserView(stored), headers: { ETag: stored.etag } };
  },
});
