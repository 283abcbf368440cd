import type { Principal } from '../auth/roles.js';
import type { OperationDocument, OperationView } from '../schemas/operation.js';

/** Only the requester and admins see an operation; to anyone else it does not exist (404). */
export function canSeeOperation(principal: Principal, operation: OperationDocument): boolean {
  return principal.userId === operation.requestedBy.userId || principal.roles.includes('admin');
}

/** The operation as the API shows it: no worker bookkeeping (stored scope, chunk sets). */
export function toOperationView(operation: OperationDocument): OperationView {
  return {
    id: operation.id,
    type: operation.type,
    status: operation.status,
    requestedBy: operation.requestedBy,
    parameters: operation.parameters,
    createdAt: operation.createdAt,
    updatedAt: operation.updatedAt,
    completedAt: operation.completedAt,
    progress: operation.progress,
    errors: operation.errors,
    omittedErrors: operation.omittedErrors,
  };
}
