import { CREATE_ROLES } from '../shared/domain/permissions.js';
import { toBatchResults } from '../shared/http/batch-results.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { batchRequestDocumentedSchema, batchRequestSchema, batchResponseSchema } from '../shared/schemas/batch.js';
import { runBatch } from '../shared/use-cases/batch-tasks.js';
import { requestWriteContext } from '../shared/http/request-write-context.js';

/**
 * Up to 100 creates and updates in one call, each validated and applied on its own; the response
 * lists a result per item, in order (`data.results[i]`), with the item's own status.
 */
registerEndpoint({
  name: 'tasks-batch',
  route: 'tasksBatch',
  docs: {
    tag: 'Tasks',
    summary: 'Create and update up to 100 tasks',
    description: 'Each item is validated and applied on its own, in order; `data.results[i]` holds its status and the task or a problem.',
    success: { status: 200, description: 'A result per item', data: batchResponseSchema },
    requestBody: batchRequestDocumentedSchema,
  },
  authenticated: true,
  idempotencyKey: true,
  roles: CREATE_ROLES,
  body: batchRequestSchema,
  handler: async ({ services, principal, body, correlationId, invocation, request }) => {
    const facts = { instance: new URL(request.url).pathname, correlationId };
    const outcomes = await runBatch(services, principal, body.items, requestWriteContext(principal, correlationId, invocation));
    const results = toBatchResults(outcomes, principal, facts, invocation);
    const succeeded = results.filter((result) => result.status < 300).length;
    return { status: 200, data: { results, succeeded, failed: results.length - succeeded } };
  },
});
