import type { Principal } from '../auth/roles.js';
import { screenImportRows } from '../domain/case-import-rows.js';
import type { CaseImportRequest, OperationDocument } from '../schemas/operation.js';
import { startOperation, type StartContext, type StartOperationDeps } from './start-operation.js';

/**
 * Starts a case import: every row is checked now (fields, the requester's scope, repeats), the
 * refused ones are reported on the operation at once, and the rest are upserted by the worker,
 * which also checks each location (reference data can change between request and processing).
 */
export async function startCaseImport(
  deps: StartOperationDeps,
  principal: Principal,
  request: CaseImportRequest,
  context: StartContext,
): Promise<OperationDocument> {
  const { accepted, errors, rejectedRows } = screenImportRows(request.cases, principal);
  return startOperation(deps, {
    work: { type: 'case-import', items: accepted },
    requester: principal,
    ...context,
    parameters: { rows: request.cases.length },
    settled: { succeeded: 0, failed: rejectedRows, skipped: 0, errors },
  });
}
