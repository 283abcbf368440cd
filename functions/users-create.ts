import { newUserDocument } from '../shared/domain/user-rules.js';
import { toUserView } from '../shared/domain/user-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { routeUrl } from '../shared/http/routes.js';
import { createUserSchema, userSchema } from '../shared/schemas/user.js';
import { getServices } from '../shared/services.js';
import { assertKnownLocation } from '../shared/use-cases/reference-checks.js';

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
  roles: ['admin'],
  body: createUserSchema,
  handler: async ({ body }) => {
    const { users, now } = getServices();
    for (const [index, locationId] of body.locations.entries()) await assertKnownLocation(locationId, { in: 'body', field: `locations.${index}` });
    const stored = await users.create(newUserDocument(body, now()));
    return { status: 201, data: toUserView(stored), headers: { Location: routeUrl('usersGet', { id: stored.document.id }), ETag: stored.etag } };
  },
});
