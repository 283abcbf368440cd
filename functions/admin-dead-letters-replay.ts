import { CAPABILITY_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { deadLetterParamsSchema, deadLetterQuerySchema } from '../shared/schemas/dead-letters.js';
import { replayResultSchema } from '../shared/schemas/responses.js';

/**
 * Sends up to `max` dead-lettered messages of an entity back for processing. Idempotent: replay
 * ids derive from the original message ids, and consumers are idempotent on event id.
 */
registerEndpoint({
  name: 'admin-dead-letters-replay',
  route: 'adminDeadLettersReplay',
  docs: {
    tag: 'Admin',
    summary: 'Replay dead-lettered messages',
    description: 'Sends up to `max` dead-lettered messages of the entity back for processing. Idempotent: replay message ids derive from the originals.',
    success: { status: 200, description: 'What was replayed', data: replayResultSchema },
  },
  authenticated: true,
  roles: CAPABILITY_ROLES.deadLetters,
  params: deadLetterParamsSchema,
  query: deadLetterQuerySchema,
  handler: async ({ services, params, query, invocation, principal }) => {
    const result = await services.messaging.replayDeadLetters(params.entity, query.max);
    invocation.log(`Dead letters of ${params.entity} replayed by ${principal.userId}: ${result.replayed}`);
    return { status: 200, data: result };
  },
});
