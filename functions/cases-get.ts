import { inWorkScope, READ_ROLES } from '../shared/domain/permissions.js';
import { notFound } from '../shared/errors/app-error.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { caseIdParamsSchema } from '../shared/schemas/reference.js';
import { caseSchema } from '../shared/schemas/responses.js';

/** An imported case, if it lies in the caller's scope. */
registerEndpoint({
  name: 'cases-get',
  route: 'casesGet',
  docs: {
    tag: 'Reference data',
    summary: 'Get an imported case',
    success: { status: 200, description: 'The case', data: caseSchema },
    problems: [404],
  },
  authenticated: true,
  roles: READ_ROLES,
  params: caseIdParamsSchema,
  handler: async ({ services, principal, params }) => {
    const found = await services.reference.getCase(params.caseId);
    if (!found || !inWorkScope(principal, found)) throw notFound(`No case ${params.caseId} exists that you can see.`);
    const { id: _id, ...record } = found;
    return { status: 200, data: record };
  },
});
