import { generalPermissions, READ_ROLES, visibilityScope } from '../shared/domain/permissions.js';
import { toUserView } from '../shared/domain/user-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { meSchema } from '../shared/schemas/responses.js';

/** The caller's profile, roles, work scope and what they may do in general (task rights are per task: allowedActions). */
registerEndpoint({
  name: 'users-me',
  route: 'usersMe',
  docs: {
    tag: 'Users',
    summary: 'The caller',
    description: 'Profile, roles, work scope and general permissions (task rights are per task: allowedActions).',
    success: { status: 200, description: 'The caller', data: meSchema },
  },
  authenticated: true,
  roles: READ_ROLES,
  handler: async ({ services, principal }) => {
    const entry = await services.users.get(principal.userId);
    const scope = visibilityScope(principal);
    return {
      status: 200,
      data: {
        id: principal.userId,
        name: principal.name ?? null,
        roles: principal.roles,
        profile: entry ? toUserView(entry) : null,
        scope:
          scope.kind === 'all'
            ? { jurisdictions: 'all', locations: 'all', tasks: 'all' }
            : {
                jurisdictions: scope.jurisdictions,
                locations: scope.locations.length > 0 ? scope.locations : 'all',
                tasks: scope.ownOrUnassignedFor ? 'assigned-to-me-or-unassigned' : 'all',
              },
        permissions: generalPermissions(principal),
      },
    };
  },
});
