import { registerEndpoint } from '../shared/http/endpoint.js';
import { livenessSchema } from '../shared/schemas/responses.js';

/** Liveness: the worker is up and serving. Touches no dependency, so it never flaps with them. */
registerEndpoint({
  name: 'health',
  route: 'health',
  docs: {
    tag: 'Health',
    summary: 'Liveness',
    success: { status: 200, description: 'The app is up', data: livenessSchema },
  },
  authenticated: false,
  handler: async () => ({ status: 200, data: { status: 'ok' } }),
});
