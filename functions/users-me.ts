import { READ_ROLES, visibilityScope } from '../shared/domain/permissions.js';
import { toUserView } from '../shared/domain/user-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { getServices } from '../shared/services.js';
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
  handler: async ({ principal }) => {
    const entry = await getServices().users.get(principal.userId);
    const has = (...roles: string[]) => principal.roles.some((role) => roles.includes(role));
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
        permissions: {
          createTasks: has('admin', 'manager', 'caseworker'),
          claimTasks: has('admin', 'manager', 'caseworker'),
          assignTasks: has('admin', 'manager'),
          reopenTasks: has('admin', 'manager'),
          deleteTasks: has('admin'),
          viewUsers: has('admin', 'manager'),
          manageUsers: has('admin'),
          bulkOperations: has('admin', 'manager'),
          deadLetters: has('admin'),
        },
      },
    };
  },
});
