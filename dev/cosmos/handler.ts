/**
 * The HTTP request handler: upstream's routes, plus a durability barrier.
 *
 * This mirrors generateRequestHandler in @vercel/cosmosdb-server 1.0.1
 * lib/index.js (not exported there), with two changes: the Account is ours
 * (so it can be persisted), and no response is sent before `barrier()`
 * settles, i.e. before the changes it may reflect are in the journal.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { classifyRequest, documentsIn, type CosmosRequestRecord } from './request-log.js';
import { route, type Account } from './upstream.js';

const QUERY_METRICS =
  'totalExecutionTimeInMs=0.00;queryCompileTimeInMs=0.00;queryLogicalPlanBuildTimeInMs=0.00;queryPhysicalPlanBuildTimeInMs=0.00;queryOptimizationTimeInMs=0.00;VMExecutionTimeInMs=0.00;indexLookupTimeInMs=0.00;documentLoadTimeInMs=0.00;systemFunctionExecuteTimeInMs=0.00;userFunctionExecuteTimeInMs=0.00;retrievedDocumentCount=0;retrievedDocumentSize=0;outputDocumentCount=1;outputDocumentSize=0;writeOutputTimeInMs=0.00;indexUtilizationRatio=0.00';

/**
 * The answer to a query-plan request. Cosmos computes a plan without running the query; upstream
 * has no plan support and would run the whole query (a full scan) only for the client to ignore
 * the result: @azure/cosmos 4.9 fetches a plan beside every query but uses it only when the
 * gateway refuses to run the query directly, which this server never does (it runs every query,
 * cross-partition ones included). So the plan says "no rewriting, one range": it halves the local
 * cost of a query without changing any result.
 */
const QUERY_PLAN = {
  partitionedQueryExecutionInfoVersion: 2,
  queryInfo: {
    distinctType: 'None',
    top: null,
    offset: null,
    limit: null,
    orderBy: [],
    orderByExpressions: [],
    groupByExpressions: [],
    groupByAliases: [],
    aggregates: [],
    groupByAliasToAggregateType: {},
    rewrittenQuery: '',
    hasSelectValue: false,
    hasNonStreamingOrderBy: false,
  },
  queryRanges: [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }],
};

const isQueryPlanRequest = (req: IncomingMessage): boolean =>
  req.method === 'POST' && String(req.headers['x-ms-cosmos-is-query-plan-request'] ?? '').toLowerCase() === 'true';

/** What upstream handlers return: a JSON object (or array, or nothing). */
type JsonBody = { _etag?: unknown; message?: unknown; [key: string]: unknown };

export interface HandlerContext {
  /** Resolves to the account once the store is loaded. */
  account: () => Promise<Account> | Account;
  barrier: () => Promise<void> | undefined;
  log: (message: string, err?: unknown) => void;
  /** Told about every request once its response is decided (see request-log.ts). */
  onRequest?: ((record: CosmosRequestRecord) => void) | undefined;
}

export function createRequestHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    respond(ctx, req, res).catch((err: unknown) => {
      ctx.log('embedded cosmos: request failed', err);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end('');
      } else if (!res.writableEnded) {
        res.destroy();
      }
    });
  };
}

async function respond(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const account = await ctx.account();
  const match = route(req);
  let body: JsonBody | undefined;
  if (match && isQueryPlanRequest(req)) {
    for await (const _chunk of req); // the query text: not needed for this plan
    body = QUERY_PLAN;
  } else if (match) {
    const [params, handler] = match;
    try {
      body = (await handler(account, req, res, params)) as JsonBody | undefined;
    } catch (err) {
      ctx.log('embedded cosmos: handler error', err);
      body = { message: err instanceof Error ? err.message : String(err) };
      res.statusCode = 500;
    }
    if (res.statusCode > 399) {
      body = body && typeof body === 'object' ? body : {};
      if (!body.message) body.message = '';
    }
  } else {
    res.statusCode = 400;
    body = { message: 'no route' };
  }

  try {
    const durable = ctx.barrier();
    if (durable) await durable;
  } catch (err) {
    // The change may be in memory but is not on disk: do not acknowledge it.
    res.statusCode = 503;
    body = { code: 'ServiceUnavailable', message: `embedded cosmos journal failed: ${String(err)}` };
  }

  if (body && typeof body._etag === 'string' && body._etag) res.setHeader('etag', body._etag);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-location', `https://${req.headers.host}${req.url}`);
  res.setHeader('connection', 'keep-alive');
  res.setHeader('x-ms-activity-id', randomUUID());
  res.setHeader('x-ms-request-charge', '1');
  if (req.headers['x-ms-documentdb-populatequerymetrics']) {
    res.setHeader('x-ms-documentdb-query-metrics', QUERY_METRICS);
  }
  if (req.headers['a-im'] && res.statusCode === 200) {
    if (req.headers['if-none-match']) res.statusCode = 304;
    res.setHeader('etag', '1');
  }
  res.end(JSON.stringify(body));
  if (ctx.onRequest) {
    try {
      const classified = classifyRequest(req);
      ctx.onRequest({ ...classified, status: res.statusCode, documents: documentsIn(body, res.statusCode, classified.operation) });
    } catch (err) {
      ctx.log('embedded cosmos: request observer failed', err);
    }
  }
}
