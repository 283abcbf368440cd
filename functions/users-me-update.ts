import { READ_ROLES } from '../shared/domain/permissions.js';
import { toUserView } from '../shared/domain/user-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { MERGE_PATCH_CONTENT_TYPES } from '../shared/http/request-body.js';
import { updateMeSchema, userSchema } from '../shared/schemas/user.js';
import { updateMyPreferences } from '../shared/use-cases/update-my-preferences.js';

/** The caller's own notification switches (JSON Merge Patch; If-Match optional). Admins change anyone's through PATCH /users/{id}. */
registerEndpoint({
  name: 'users-me-update',
  route: 'usersMeUpdate',
  docs: {
    tag: 'Users',
    summary: 'Change my notification preferences (JSON Merge Patch)',
    description:
      'Switches emails of each kind on or off for the caller (see NotificationPreferences); name only the switches to change. If-Match is optional (a stale one is 412). 404 when the caller has no entry in the users directory.',
    success: { status: 200, description: 'The caller\'s directory entry', data: userSchema, headers: ['ETag'] },
    problems: [404, 412],
    requestHeaders: [{ name: 'If-Match', required: false }],
  },
  authenticated: true,
  roles: READ_ROLES,
  body: updateMeSchema,
  bodyContentTypes: MERGE_PATCH_CONTENT_TYPES,
  handler: async ({ services, principal, body, request }) => {
    const stored = await updateMyPreferences(services, principal, request.headers.get('if-match'), body);
    return { status: 200, data: toUserView(stored), headers: { ETag: stored.etag } };
  },
});
