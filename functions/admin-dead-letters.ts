import { CAPABILITY_ROLES } from '../shared/domain/permissions.js';
import { z } from 'zod';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { deadLetterParamsSchema, deadLetterQuerySchema } from '../shared/schemas/dead-letters.js';
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
  roles: CAPABILITY_ROLES.deadLetters,
  params: deadLetterParamsSchema,
  query: deadLetterQuerySchema,
  handler: async ({ services, params, query }) => ({
    status: 200,
    data: await services.messaging.peekDeadLetters(params.entity, query.max),
  }),
});
