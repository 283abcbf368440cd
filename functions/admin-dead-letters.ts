import { z } from 'zod';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { deadLetterParamsSchema, deadLetterQuerySchema } from '../shared/schemas/dead-letters.js';
import { getServices } from '../shared/services.js';
import { deadLetterSchema } from '../shared/schemas/responses.js';

/** Lists dead-lettered messages of one entity (oldest first), for operators. */
registerEndpoint({
  name: 'admin-dead-letters',
  route: 'adminDeadLetters',
  docs: {
    tag: 'Admin',
    summary: 'List dead-lettered messages',
    success: { status: 200, description: 'Dead-lettered messages, oldest first', data: z.array(deadLetterSchema) },
  },
  authenticated: true,
  roles: ['admin'],
  params: deadLetterParamsSchema,
  query: deadLetterQuerySchema,
  handler: async ({ params, query }) => ({
    status: 200,
    data: await getServices().messaging.peekDeadLetters(params.entity, query.max),
  }),
});
