import { canSeeOperation, toOperationView } from '../shared/domain/operation-view.js';
import { READ_ROLES } from '../shared/domain/permissions.js';
import { notFound } from '../shared/errors/app-error.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { operationIdParamsSchema, operationViewSchema } from '../shared/schemas/operation.js';

/** The status and progress of a long-running operation: its requester and admins only (404 for anyone else). */
registerEndpoint({
  name: 'operations-get',
  route: 'operationsGet',
  docs: {
    tag: 'Operations',
    summary: 'Get an operation',
    description: 'Status and progress of a long-running operation (its requester and admins only).',
    success: { status: 200, description: 'The operation', data: operationViewSchema },
    problems: [404],
  },
  authenticated: true,
  roles: READ_ROLES,
  params: operationIdParamsSchema,
  handler: async ({ services, principal, params }) => {
    const found = await services.operations.get(params.id);
    if (!found || !canSeeOperation(principal, found.document)) throw notFound(`No operation ${params.id} exists that you can see.`);
    return { status: 200, data: toOperationView(found.document) };
  },
});
