import { Agent, request as httpRequest } from 'node:http';
import type { FuzzRequest } from './arbitraries.js';

export interface RawResponse {
  status: number;
  /** Header name (lower case) → values as received (repeated ones kept apart). */
  headers: Record<string, string[]>;
  body: string;
  ms: number;
}

/**
 * Sends a request exactly as generated: the path as encoded (no URL normalisation), headers in
 * order with repeats kept (raw header list), the body as bytes. fetch cannot: it normalises the
 * URL, joins repeated headers and refuses some values.
 */
export function sendRaw(baseUrl: string, agent: Agent, request: FuzzRequest, timeoutMs = 30_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  // A raw header list gets no Host from Node; HTTP/1.1 requires one (Node's server refuses a
  // request without it before any handler runs), so it is always sent, first.
  const flat: string[] = ['host', url.host];
  for (const [name, value] of request.headers) flat.push(name, value);
  if (request.body !== undefined) flat.push('content-length', String(request.body.length));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: request.method, path: request.path, headers: flat, agent, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: Record<string, string[]> = {};
          for (let i = 0; i < res.rawHeaders.length; i += 2) (headers[res.rawHeaders[i]!.toLowerCase()] ??= []).push(res.rawHeaders[i + 1]!);
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(request.body);
  });
}
