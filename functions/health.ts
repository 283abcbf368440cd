import { registerEndpoint } from '../shared/http/endpoint.js';

/** Liveness: the worker is up and serving. Touches no dependency, so it never flaps with them. */
registerEndpoint({
  name: 'health',
  route: 'health',
  authenticated: false,
  handler: async () => ({ status: 200, data: { status: 'ok' } }),
});
