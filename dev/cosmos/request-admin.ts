import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestTally } from './request-log.js';

export const COSMOS_REQUESTS_PATH = '/admin/cosmos/requests';

/**
 * The local host's window on the app's database traffic, for tests and the benchmark:
 * `GET /admin/cosmos/requests` returns the counts since the last reset, `DELETE` returns them and
 * starts again from zero. Local only, like the rest of /admin.
 */
export function cosmosRequestRoutes(tally: RequestTally): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== COSMOS_REQUESTS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'DELETE') {
      res.writeHead(405, { allow: 'GET, DELETE' }).end();
      return true;
    }
    const body = JSON.stringify(req.method === 'DELETE' ? tally.take() : tally.peek());
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
    return true;
  };
}
