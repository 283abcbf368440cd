import { applyUserChange } from '../shared/domain/user-rules.js';
import { toUserView } from '../shared/domain/user-view.js';
import { notFound } from '../shared/http/api-error.js';
import { requireIfMatch } from '../shared/http/conditional.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { MERGE_PATCH_CONTENT_TYPES } from '../shared/http/request-body.js';
import { updateUserSchema, userIdParamsSchema, userSchema } from '../shared/schemas/user.js';
import { getServices } from '../shared/services.js';
import { assertKnownLocation } from '../shared/use-cases/reference-checks.js';

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
  roles: ['admin'],
  params: userIdParamsSchema,
  body: updateUserSchema,
  bodyContentTypes: MERGE_PATCH_CONTENT_TYPES,
  handler: async ({ params, body, request }) => {
    const { users, now } = getServices();
    const current = await users.get(params.id);
    if (!current) throw notFound(`No user ${params.id} exists.`);
    requireIfMatch(request.headers.get('if-match'), current.etag);
    for (const [index, locationId] of (body.locations ?? []).entries()) await assertKnownLocation(locationId, { in: 'body', field: `locations.${index}` });
    const stored = await users.replace(applyUserChange(current.document, body, now()), current);
    return { status: 200, data: toUserView(stored), headers: { ETag: stored.etag } };
  },
});
