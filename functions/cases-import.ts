import { CAPABILITY_ROLES } from '../shared/domain/permissions.js';
import { caseImportFromCsv } from '../shared/http/case-import-csv.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { operationAccepted } from '../shared/http/operation-accepted.js';
import { caseImportRequestSchema, operationViewSchema } from '../shared/schemas/operation.js';
import { startCaseImport } from '../shared/use-cases/start-case-import.js';

/** 5,000 rows of CSV or JSON need far more than the usual 64 KiB; 2 MiB holds them with room to spare. */
const MAX_IMPORT_BODY_BYTES = 2 * 1024 * 1024;

/** Imports cases from the case management system (JSON or CSV), asynchronously; bad rows are reported by row number. */
registerEndpoint({
  name: 'cases-import',
  route: 'casesImport',
  docs: {
    tag: 'Operations',
    summary: 'Import cases (JSON or CSV)',
    description: 'Validates every row, reports rejected rows with reasons and upserts the rest asynchronously; poll the Location.',
    success: { status: 202, description: 'Accepted', data: operationViewSchema, headers: ['Location'], optionalHeaders: ['Retry-After'] },
  },
  authenticated: true,
  idempotencyKey: true,
  roles: CAPABILITY_ROLES.bulkOperations,
  body: caseImportRequestSchema,
  bodyContentTypes: ['application/json', 'text/csv'],
  bodyDecoders: { 'text/csv': caseImportFromCsv },
  maxBodyBytes: MAX_IMPORT_BODY_BYTES,
  handler: async ({ services, principal, body, correlationId, invocation }) =>
    operationAccepted(await startCaseImport(services, principal, body, { correlationId, log: invocation })),
});
