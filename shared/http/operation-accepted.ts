import { toOperationView } from '../domain/operation-view.js';
import { TERMINAL_OPERATION_STATUSES, type OperationDocument } from '../schemas/operation.js';
import type { EndpointResult } from './endpoint.js';
import { routeUrl } from './routes.js';

/** Seconds a client should wait before polling a running operation again. */
const POLL_AFTER_SECONDS = '2';

/**
 * The answer that starts an asynchronous operation: 202 Accepted, `Location` of the status resource
 * to poll, and the operation as it is now (already finished when it had nothing to do).
 */
export function operationAccepted(operation: OperationDocument): EndpointResult {
  const finished = TERMINAL_OPERATION_STATUSES.includes(operation.status);
  return {
    status: 202,
    data: toOperationView(operation),
    headers: { Location: routeUrl('operationsGet', { id: operation.id }), ...(finished ? {} : { 'Retry-After': POLL_AFTER_SECONDS }) },
  };
}
