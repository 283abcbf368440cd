import type { PluginConfig, RequestContext } from '@azure/cosmos';
import { startDependency } from '../telemetry/dependencies.js';
import { currentScope } from '../telemetry/invocation-scope.js';

/**
 * What each database call costs, from the SDK's own response headers, through two SDK plugins
 * (the `plugins` option, see cosmos-client.ts):
 *
 * - per network request (`on: 'request'`, every attempt, the query-plan request included): the
 *   invocation's request count and request charge (`x-ms-request-charge`, in RU) go up; the entry
 *   points send both as metrics `cosmos.requests` and `cosmos.requestCharge` with the function as
 *   `operation` when the invocation ends;
 * - per SDK operation (`on: 'operation'`, all its attempts): one dependency span (`cosmosdb`) in the
 *   invocation's trace, named by what it did and on which container, with its request charge.
 *
 * The embedded local database answers every request with a charge of 1 (it does not model request
 * units), so locally the charge equals the request count; only the counts mean anything there.
 */
export function requestTelemetry(): PluginConfig {
  return {
    on: 'request',
    plugin: async (context, diagnostics, next) => {
      const scope = currentScope();
      try {
        const response = await next(context);
        if (scope) count(scope, response.headers);
        return response;
      } catch (error) {
        if (scope) count(scope, (error as { headers?: Record<string, unknown> }).headers);
        throw error;
      }
    },
  };
}

export function operationTelemetry(database: string): PluginConfig {
  return {
    on: 'operation',
    plugin: async (context, _diagnostics, next) => {
      const scope = currentScope();
      const chargeBefore = scope?.cosmos.requestCharge ?? 0;
      const span = startDependency(operationName(context), { type: 'cosmosdb', database, operation: operationName(context) });
      const properties = (): Record<string, number> => (scope ? { requestCharge: round(scope.cosmos.requestCharge - chargeBefore) } : {});
      try {
        const response = await next(context);
        span.end({ success: true, resultCode: response.code ?? 200, properties: properties() });
        return response;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // 404, 409 and 412 are answers the app expects and handles, not failures of the dependency.
        const expected = code === 404 || code === 409 || code === 412 || code === 304;
        span.end({ success: expected, resultCode: typeof code === 'number' || typeof code === 'string' ? code : 'error', properties: properties() });
        throw error;
      }
    },
  };
}

function count(scope: NonNullable<ReturnType<typeof currentScope>>, headers: Record<string, unknown> | undefined): void {
  scope.cosmos.requests += 1;
  const charge = Number(headers?.['x-ms-request-charge']);
  if (Number.isFinite(charge)) scope.cosmos.requestCharge += charge;
}

/** `read tasks`, `query audit`, `patch tasks`…: the operation and the container, never ids or query text. */
export function operationName(context: Pick<RequestContext, 'operationType' | 'resourceType' | 'path'>): string {
  const container = /\/colls\/([^/]+)/.exec(context.path ?? '')?.[1];
  const operation = String(context.operationType ?? 'request').toLowerCase();
  return container ? `${operation} ${decodeURIComponent(container)}` : `${operation} ${String(context.resourceType ?? '')}`.trim();
}

const round = (value: number): number => Math.round(value * 100) / 100;
