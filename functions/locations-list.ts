import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { getServices } from '../shared/services.js';

/** Courts and venues: the values `locationId` may take. */
registerEndpoint({
  name: 'locations-list',
  route: 'locationsList',
  authenticated: true,
  roles: READ_ROLES,
  handler: async () => ({ status: 200, data: await getServices().reference.listLocations() }),
});
