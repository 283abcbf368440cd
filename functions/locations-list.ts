import { z } from 'zod';
import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { locationSchema } from '../shared/schemas/reference.js';

/** Courts and venues: the values `locationId` may take. */
registerEndpoint({
  name: 'locations-list',
  route: 'locationsList',
  docs: {
    tag: 'Reference data',
    summary: 'List courts and venues',
    success: { status: 200, description: 'Every location', data: z.array(locationSchema) },
  },
  authenticated: true,
  roles: READ_ROLES,
  handler: async ({ services }) => ({ status: 200, data: await services.reference.listLocations() }),
});
