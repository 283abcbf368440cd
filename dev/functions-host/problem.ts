import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';

/**
 * RFC 9457 problem responses for what the host itself decides (404, 405, 413, 500...). Function
 * responses never pass through here. `detail` must never carry an error message or stack from
 * app code: those go to the log only.
 */
export function sendProblem(res: ServerResponse, status: number, detail: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail });
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
