import type { ServerResponse } from 'node:http';
import type { RpcHttpCookie, RpcHttpData, RpcTypedData } from './core-types.js';

/**
 * Writes the RPC `RpcHttpData` that `@azure/functions` produced (src/converters/toRpcHttp.ts:
 * statusCode as a string, headers, cookies, body as bytes) to the Node response, as the host does.
 */

/** Set by the server per connection/message, never forwarded from the function. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'content-length']);

/** Statuses that never carry a body (RFC 9110), whatever the function returned. */
const NO_BODY_STATUSES = new Set([204, 205, 304]);

export function writeHttpResponse(res: ServerResponse, http: RpcHttpData | null | undefined, requestMethod: string): void {
  // No HTTP output at all (the handler returned nothing): the host answers 200 with no body.
  const status = http ? parseStatus(http.statusCode) : 200;
  const body = http ? bodyBytes(http.body) : Buffer.alloc(0);

  for (const [name, value] of Object.entries(http?.headers ?? {})) {
    if (HOP_BY_HOP.has(name.toLowerCase())) continue;
    try {
      res.appendHeader(name, value);
    } catch {
      // An invalid header name/value from app code is dropped rather than failing the response.
    }
  }
  const cookies = (http?.cookies ?? []).map(formatSetCookie);
  if (cookies.length > 0) res.appendHeader('set-cookie', cookies);

  const bodyless = NO_BODY_STATUSES.has(status) || (status >= 100 && status < 200);
  if (!bodyless) res.setHeader('content-length', body.length);
  res.statusCode = status;
  res.end(bodyless || requestMethod.toUpperCase() === 'HEAD' ? undefined : body);
}

function parseStatus(statusCode: string | null | undefined): number {
  const status = Number(statusCode ?? 200);
  return Number.isInteger(status) && status >= 100 && status <= 999 ? status : 500;
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (body.bytes) return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  if (body.stream) return Buffer.from(body.stream);
  if (typeof body.string === 'string') return Buffer.from(body.string, 'utf8');
  if (typeof body.json === 'string') return Buffer.from(body.json, 'utf8');
  if (typeof body.int === 'number' || typeof body.double === 'number') return Buffer.from(String(body.int ?? body.double));
  return Buffer.alloc(0);
}

/**
 * ASP.NET Core's Set-Cookie format (SetCookieHeaderValue), which the host produces from the
 * worker's RpcHttpCookie: name and value URI-escaped, path defaulting to '/', attributes in the
 * order expires, max-age, domain, path, secure, samesite, httponly.
 */
export function formatSetCookie(cookie: RpcHttpCookie): string {
  const parts = [`${escapeCookie(cookie.name ?? '')}=${escapeCookie(cookie.value ?? '')}`];
  const expiresSeconds = cookie.expires?.value?.seconds;
  if (typeof expiresSeconds === 'number') parts.push(`expires=${new Date(expiresSeconds * 1000).toUTCString()}`);
  const maxAge = cookie.maxAge?.value;
  if (typeof maxAge === 'number') parts.push(`max-age=${Math.trunc(maxAge)}`);
  if (cookie.domain?.value) parts.push(`domain=${cookie.domain.value}`);
  parts.push(`path=${cookie.path?.value || '/'}`);
  if (cookie.secure?.value) parts.push('secure');
  switch (cookie.sameSite) {
    case 'lax':
      parts.push('samesite=lax');
      break;
    case 'strict':
      parts.push('samesite=strict');
      break;
    case 'explicitNone':
      parts.push('samesite=none');
      break;
    default:
      // 'none' in the RPC enum means "not specified": no attribute.
      break;
  }
  if (cookie.httpOnly?.value) parts.push('httponly');
  return parts.join('; ');
}

/** Uri.EscapeDataString: everything but RFC 3986 unreserved characters. */
function escapeCookie(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
