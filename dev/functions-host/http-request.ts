import type { IncomingMessage } from 'node:http';
import type { RpcHttpData, RpcTypedData } from './core-types.js';

/**
 * Builds the RPC `RpcHttpData` the Functions host sends for an HTTP trigger, from a Node request.
 * `@azure/functions` turns it into its HttpRequest (src/http/HttpRequest.ts): `url`, `method` and
 * `headers` become a WHATWG Request, `body.bytes` its body, `query` and `params` the maps.
 *
 * Host behaviours mirrored: repeated query keys are joined with ',' (ASP.NET StringValues), header
 * values are joined with ', ', route values arrive as `params`, and the body is passed as raw bytes
 * (the worker's RawHttpBodyBytes capability).
 */

/** The Functions host refuses bodies over 100 MB; the app enforces its own, smaller limit. */
export const MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body exceeds ${limit} bytes.`);
    this.name = 'BodyTooLargeError';
  }
}

export function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        // Keep draining so the 413 can still be written on this connection.
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

export interface HttpTriggerData {
  http: RpcHttpData;
  triggerMetadata: Record<string, RpcTypedData>;
}

export function toRpcHttp(req: IncomingMessage, body: Buffer, url: URL, params: Record<string, string>): HttpTriggerData {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }

  const query: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) {
    query[key] = url.searchParams.getAll(key).join(',');
  }

  const http: RpcHttpData = {
    method: req.method ?? 'GET',
    url: url.href,
    headers,
    query,
    params,
    body: { bytes: body },
  };

  // The host also sends these for HTTP triggers. The library ignores them (it reads the request
  // object instead) unless HTTP streaming is on, but binding expressions in other bindings use them.
  const triggerMetadata: Record<string, RpcTypedData> = {
    Query: { json: JSON.stringify(query) },
    Headers: { json: JSON.stringify(headers) },
  };
  for (const [name, value] of Object.entries(params)) {
    triggerMetadata[name] = { string: value };
  }
  return { http, triggerMetadata };
}

/**
 * The absolute URL the function sees (`request.url`), built from the Host header like the host
 * does. `fallbackHost` is asked only when there is no Host header (HTTP/1.0): the server's own
 * address costs a system call.
 */
export function requestUrl(req: IncomingMessage, fallbackHost: () => string): URL {
  const host = typeof req.headers.host === 'string' && req.headers.host !== '' ? req.headers.host : fallbackHost();
  // Concatenate rather than resolve against a base: a path like `//other-host/x` must stay a path.
  const path = req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`;
  return new URL(`http://${host}${path}`);
}
