import { registerEndpoint } from '../shared/http/endpoint.js';
import { deadLetterParamsSchema, deadLetterQuerySchema } from '../shared/schemas/dead-letters.js';
import { getServices } from '../shared/services.js';

/** Lists dead-lettered messages of one entity (oldest first), for operators. */
registerEndpoint({
  name: 'admin-dead-letters',
  route: 'adminDeadLetters',
  authenticated: true,
  roles: ['admin'],
  params: deadLetterParamsSchema,
  query: deadLetterQuerySchema,
  handler: async ({ params, query }) => ({
    status: 200,
    data: await getServices().messaging.peekDeadLetters(params.entity, query.max),
  }),
});
