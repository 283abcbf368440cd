import type { HttpRequest } from '@azure/functions';
import { validationError } from '../errors/app-error.js';
import { ApiError } from './api-error.js';

/** Bodies are small JSON documents; anything bigger is a mistake or an attack. */
export const MAX_BODY_BYTES = 64 * 1024;

export const JSON_CONTENT_TYPES = ['application/json'] as const;
export const MERGE_PATCH_CONTENT_TYPES = ['application/merge-patch+json', 'application/json'] as const;

/** The media type of a Content-Type header, lower-cased, without parameters. */
function mediaType(header: string | null): string | undefined {
  return header?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/** Turns a body's text into the value the endpoint's schema validates; throws an ApiError when it cannot. */
export type BodyDecoder = (text: string) => unknown;

export interface BodyFormat {
  acceptedTypes: readonly string[];
  /** 413 above this many bytes; MAX_BODY_BYTES unless an endpoint needs more (bulk imports). */
  maxBytes?: number;
  /** Decoders for accepted types that are not JSON (e.g. text/csv); every other accepted type is parsed as JSON. */
  decoders?: Readonly<Record<string, BodyDecoder>>;
}

/**
 * Reads and decodes a request body: 415 for a wrong content type, 413 above the size limit
 * (checked on the declared length first, then on the bytes actually read), 400 for malformed
 * content or a missing body. Returns the decoded, not yet validated, value.
 */
export async function readBody(request: HttpRequest, format: BodyFormat): Promise<unknown> {
  const { acceptedTypes, maxBytes = MAX_BODY_BYTES, decoders = {} } = format;
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > maxBytes) throw tooLarge(maxBytes);

  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
  if (bytes.byteLength === 0) {
    throw validationError([{ in: 'body', field: '(root)', message: 'a request body is required' }]);
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
  return (decoders[type] ?? parseJson)(text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'unparseable';
    throw new ApiError('malformedJson', `The request body is not valid JSON: ${reason}`);
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError('payloadTooLarge', `The request body must be at most ${maxBytes} bytes.`);
}
