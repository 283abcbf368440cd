/**
 * Every HTTP route of the API, written once: the function registrations, Location headers, the
 * OpenAPI document and the tests all read them from here. Paths are relative to the host's
 * route prefix (`api`, from host.json).
 */
export const ROUTE_PREFIX = 'api';

export const ROUTES = {
  health: { method: 'GET', path: 'v1/health' },
  healthReady: { method: 'GET', path: 'v1/health/ready' },
  version: { method: 'GET', path: 'v1/version' },
  openapiDocument: { method: 'GET', path: 'openapi.json' },
  docsPage: { method: 'GET', path: 'docs' },
  docsAsset: { method: 'GET', path: 'docs/{file}' },
  consolePage: { method: 'GET', path: 'console' },
  consoleAsset: { method: 'GET', path: 'console/{file}' },
  tasksCreate: { method: 'POST', path: 'v1/tasks' },
  tasksList: { method: 'GET', path: 'v1/tasks' },
  tasksStats: { method: 'GET', path: 'v1/tasks/stats' },
  tasksBatch: { method: 'POST', path: 'v1/tasks/batch' },
  tasksGet: { method: 'GET', path: 'v1/tasks/{id}' },
  tasksPatch: { method: 'PATCH', path: 'v1/tasks/{id}' },
  tasksReplace: { method: 'PUT', path: 'v1/tasks/{id}' },
  tasksDelete: { method: 'DELETE', path: 'v1/tasks/{id}' },
  tasksClaim: { method: 'POST', path: 'v1/tasks/{id}/claim' },
  tasksUnclaim: { method: 'POST', path: 'v1/tasks/{id}/unclaim' },
  tasksAssign: { method: 'POST', path: 'v1/tasks/{id}/assign' },
  tasksComplete: { method: 'POST', path: 'v1/tasks/{id}/complete' },
  tasksCancel: { method: 'POST', path: 'v1/tasks/{id}/cancel' },
  tasksReopen: { method: 'POST', path: 'v1/tasks/{id}/reopen' },
  tasksHistory: { method: 'GET', path: 'v1/tasks/{id}/history' },
  tasksHistoryVerify: { method: 'GET', path: 'v1/tasks/{id}/history/verify' },
  tasksNotesCreate: { method: 'POST', path: 'v1/tasks/{id}/notes' },
  tasksNotesList: { method: 'GET', path: 'v1/tasks/{id}/notes' },
  tasksNotesRedact: { method: 'POST', path: 'v1/tasks/{id}/notes/{noteId}/redact' },
  tasksAttachmentsCreate: { method: 'POST', path: 'v1/tasks/{id}/attachments' },
  tasksAttachmentsList: { method: 'GET', path: 'v1/tasks/{id}/attachments' },
  tasksAttachmentsGet: { method: 'GET', path: 'v1/tasks/{id}/attachments/{attachmentId}' },
  tasksAttachmentsComplete: { method: 'POST', path: 'v1/tasks/{id}/attachments/{attachmentId}/complete' },
  tasksAttachmentsDelete: { method: 'DELETE', path: 'v1/tasks/{id}/attachments/{attachmentId}' },
  usersList: { method: 'GET', path: 'v1/users' },
  usersCreate: { method: 'POST', path: 'v1/users' },
  usersMe: { method: 'GET', path: 'v1/users/me' },
  usersMeUpdate: { method: 'PATCH', path: 'v1/users/me' },
  usersGet: { method: 'GET', path: 'v1/users/{id}' },
  usersUpdate: { method: 'PATCH', path: 'v1/users/{id}' },
  usersDeactivate: { method: 'POST', path: 'v1/users/{id}/deactivate' },
  locationsList: { method: 'GET', path: 'v1/locations' },
  casesGet: { method: 'GET', path: 'v1/cases/{caseId}' },
  casesTasks: { method: 'GET', path: 'v1/cases/{caseId}/tasks' },
  casesImport: { method: 'POST', path: 'v1/cases/import' },
  operationsReassign: { method: 'POST', path: 'v1/operations/reassign' },
  operationsGet: { method: 'GET', path: 'v1/operations/{id}' },
  adminDeadLetters: { method: 'GET', path: 'v1/admin/dead-letters/{entity}' },
  adminDeadLettersReplay: { method: 'POST', path: 'v1/admin/dead-letters/{entity}/replay' },
  adminOverview: { method: 'GET', path: 'v1/admin/overview' },
} as const satisfies Record<string, { method: HttpMethod; path: string }>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RouteName = keyof typeof ROUTES;

/**
 * Routes the gateway serves without a subscription key (and without a token): liveness for probes,
 * the contract and docs page, which a consumer reads before it has a key, and the operations
 * console's page and files (its data comes from admin routes, which do need one). Everything else needs
 * a key at API Management; the OpenAPI document declares it per operation and bicep/main.bicep
 * exempts exactly these paths (tests/infra checks both against this list).
 */
export const KEYLESS_ROUTES = ['health', 'openapiDocument', 'docsPage', 'docsAsset', 'consolePage', 'consoleAsset'] as const satisfies readonly RouteName[];

/** The absolute path of a route with its parameters filled in, e.g. `/api/v1/tasks/123`. */
export function routeUrl(name: RouteName, params: Record<string, string> = {}): string {
  const path = ROUTES[name].path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`routeUrl(${name}): missing parameter ${key}`);
    return encodeURIComponent(value);
  });
  return `/${ROUTE_PREFIX}/${path}`;
}
