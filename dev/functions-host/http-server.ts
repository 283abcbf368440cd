import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleAdmin, isAdminPath, type RunFunction } from './admin.js';
import { requestUrl } from './http-request.js';
import { handleHttpTrigger } from './http-trigger.js';
import { errorDetail, writeLog } from './logging.js';
import { sendProblem } from './problem.js';
import type { RegisteredFunction } from './registry.js';
import type { RouteTable } from './routes.js';
import type { FunctionsHostOptions } from './types.js';

/**
 * The node:http front door. Order: the caller's extra routes (e.g. the dev token issuer under
 * /api/.well-known), then /admin/*, then function routes under the route prefix.
 */

export interface HostServerOptions {
  routePrefix: string;
  routes: RouteTable<RegisteredFunction>;
  runFunction: RunFunction;
  extraRoutes: FunctionsHostOptions['extraRoutes'];
}

export function createHostServer(options: HostServerOptions): Server {
  // Repeated headers are joined with ', ' as the Functions host does, not dropped (Node drops
  // repeats of some, Authorization among them, unless told otherwise).
  const server = createServer({ keepAlive: true, joinDuplicateHeaders: true }, (req, res) => {
    handle(server, options, req, res).catch((error: unknown) => {
      writeLog('error', `Unhandled error for ${req.method} ${req.url}: ${errorDetail(error)}`);
      sendProblem(res, 500, 'The host failed to process the request.');
    });
  });
  return server;
}

async function handle(server: Server, options: HostServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (options.extraRoutes && (await options.extraRoutes(req, res))) return;

  let url: URL;
  try {
    url = requestUrl(req, fallbackHost(server));
  } catch {
    return sendProblem(res, 400, 'The request URL or Host header is malformed.');
  }
  const method = req.method ?? 'GET';

  if (isAdminPath(url.pathname)) return handleAdmin(req, res, url, options.runFunction);

  const path = stripPrefix(url.pathname, options.routePrefix);
  if (path === undefined) return sendProblem(res, 404, `No function is registered for ${method} ${url.pathname}.`);

  const match = options.routes.match(method, path);
  if (match.kind === 'not-found') return sendProblem(res, 404, `No function is registered for ${method} ${url.pathname}.`);
  if (match.kind === 'method-not-allowed') {
    return sendProblem(res, 405, `${method} is not allowed for ${url.pathname}.`, { allow: match.allow.join(', ') });
  }
  return handleHttpTrigger(match.target, req, res, url, match.params);
}

/** The part of the path after the route prefix, or undefined when the path is outside it. */
export function stripPrefix(pathname: string, routePrefix: string): string | undefined {
  if (routePrefix === '') return pathname;
  const prefix = `/${routePrefix}`.toLowerCase();
  const lower = pathname.toLowerCase();
  if (lower === prefix) return '';
  if (lower.startsWith(`${prefix}/`)) return pathname.slice(prefix.length);
  return undefined;
}

function fallbackHost(server: Server): string {
  const address = server.address();
  return address && typeof address === 'object' ? `${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}` : 'localhost';
}
