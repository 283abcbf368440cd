import { CAPABILITY_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { operationAccepted } from '../shared/http/operation-accepted.js';
import { operationViewSchema, reassignRequestSchema } from '../shared/schemas/operation.js';
import { startReassign } from '../shared/use-cases/start-reassign.js';

/** Moves every open task of one user in the caller's scope to another user (or the queue), asynchronously. */
registerEndpoint({
  name: 'operations-reassign',
  route: 'operationsReassign',
  docs: {
    tag: 'Operations',
    summary: 'Reassign a user\'s open tasks',
    description: 'Starts an asynchronous reassignment of the open tasks of `fromUserId` in the caller scope; poll the Location.',
    success: { status: 202, description: 'Accepted', data: operationViewSchema, headers: ['Location'], optionalHeaders: ['Retry-After'] },
  },
  authenticated: true,
  idempotencyKey: true,
  roles: CAPABILITY_ROLES.bulkOperations,
  body: reassignRequestSchema,
  handler: async ({ services, principal, body, correlationId, invocation }) =>
    operationAccepted(await startReassign(services, principal, body, { correlationId, log: invocation })),
});
