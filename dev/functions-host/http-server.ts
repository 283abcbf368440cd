import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
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
  server.on('clientError', answerClientError);
  return server;
}

/**
 * Requests Node's HTTP parser refuses before any handler runs (headers over its 16 KiB limit, a
 * malformed request line or header): answered as problem+json like everything else, instead of
 * Node's bare status line. The connection is closed after it, as Node does.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'HPE_URI_TOO_LONG' ? 414 : 400;
  const detail = status === 431 ? 'The request headers (request line included) are larger than the host accepts.' : 'The request is not valid HTTP.';
  const body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status], status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
}

async function handle(server: Server, options: HostServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (options.extraRoutes && (await options.extraRoutes(req, res))) return;

  let url: URL;
  try {
    url = requestUrl(req, () => fallbackHost(server));
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
