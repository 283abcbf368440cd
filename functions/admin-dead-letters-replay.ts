import { registerEndpoint } from '../shared/http/endpoint.js';
import { deadLetterParamsSchema, deadLetterQuerySchema } from '../shared/schemas/dead-letters.js';
import { getServices } from '../shared/services.js';

/**
 * Sends up to `max` dead-lettered messages of an entity back for processing. Idempotent: replay
 * ids derive from the original message ids, and consumers are idempotent on event id.
 */
registerEndpoint({
  name: 'admin-dead-letters-replay',
  route: 'adminDeadLettersReplay',
  authenticated: true,
  roles: ['admin'],
  params: deadLetterParamsSchema,
  query: deadLetterQuerySchema,
  handler: async ({ params, query, invocation, principal }) => {
    const result = await getServices().messaging.replayDeadLetters(params.entity, query.max);
    invocation.log(`Dead letters of ${params.entity} replayed by ${principal.userId}: ${result.replayed}`);
    return { status: 200, data: result };
  },
});
