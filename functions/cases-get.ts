import { inWorkScope, READ_ROLES } from '../shared/domain/permissions.js';
import { notFound } from '../shared/http/api-error.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { caseIdParamsSchema } from '../shared/schemas/reference.js';
import { getServices } from '../shared/services.js';

/** An imported case, if it lies in the caller's scope. */
registerEndpoint({
  name: 'cases-get',
  route: 'casesGet',
  authenticated: true,
  roles: READ_ROLES,
  params: caseIdParamsSchema,
  handler: async ({ principal, params }) => {
    const found = await getServices().reference.getCase(params.caseId);
    if (!found || !inWorkScope(principal, found)) throw notFound(`No case ${params.caseId} exists that you can see.`);
    const { id: _id, ...record } = found;
    return { status: 200, data: record };
  },
});
