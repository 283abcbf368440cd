import type { HttpRequest } from '@azure/functions';
import { ApiError, validationError } from './api-error.js';

/** Bodies are small JSON documents; anything bigger is a mistake or an attack. */
export const MAX_BODY_BYTES = 64 * 1024;

export const JSON_CONTENT_TYPES = ['application/json'] as const;
export const MERGE_PATCH_CONTENT_TYPES = ['application/merge-patch+json', 'application/json'] as const;

/** The media type of a Content-Type header, lower-cased, without parameters. */
function mediaType(header: string | null): string | undefined {
  return header?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * Reads and parses a JSON request body: 415 for a wrong content type, 413 above the size limit
 * (checked on the declared length first, then on the bytes actually read), 400 for malformed
 * JSON or a missing body. Returns the parsed, not yet validated, value.
 */
export async function readJsonBody(request: HttpRequest, acceptedTypes: readonly string[]): Promise<unknown> {
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > MAX_BODY_BYTES) throw tooLarge();

  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  if (bytes.byteLength === 0) {
    throw validationError([{ in: 'body', field: '(root)', message: 'a JSON body is required' }]);
  }

  const type = mediaType(request.headers.get('content-type'));
  if (!type || !acceptedTypes.includes(type)) {
    // Accept-Patch tells a PATCH client which patch formats exist (RFC 5789 §3.1).
    const acceptsPatch = acceptedTypes.some((accepted) => accepted.includes('patch'));
    throw new ApiError('unsupportedMediaType', `Send the body as ${acceptedTypes.join(' or ')}${type ? `, not ${type}` : ''}.`, {
      ...(acceptsPatch ? { headers: { 'Accept-Patch': acceptedTypes.join(', ') } } : {}),
    });
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError('malformedJson', 'The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'unparseable';
    throw new ApiError('malformedJson', `The request body is not valid JSON: ${reason}`);
  }
}

function tooLarge(): ApiError {
  return new ApiError('payloadTooLarge', `The request body must be at most ${MAX_BODY_BYTES} bytes.`);
}
