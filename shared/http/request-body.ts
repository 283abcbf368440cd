import type { HttpRequest } from '@azure/functions';
import { validationError } from '../errors/app-error.js';
import { ApiError } from './api-error.js';
import { decodeUtf8KeepingInvalid, illFormedTextErrors } from './well-formed-text.js';

/** Bodies are small JSON documents; anything bigger is a mistake or an attack. */
export const MAX_BODY_BYTES = 64 * 1024;

export const JSON_CONTENT_TYPES = ['application/json'] as const;
export const MERGE_PATCH_CONTENT_TYPES = ['application/merge-patch+json', 'application/json'] as const;

/** The media type of a Content-Type header, lower-cased, without parameters. */
function mediaType(header: string | null): string | undefined {
  return header?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * Turns a body into the value the endpoint's schema validates; throws an ApiError when it cannot.
 * `text` is the body decoded as UTF-8, any bytes that are not UTF-8 kept as lone surrogates;
 * `bytes` the body as received, for a decoder that must see those bytes as they were.
 */
export type BodyDecoder = (text: string, bytes: Uint8Array) => unknown;

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
 * content, text that is not UTF-8 (naming the fields that hold it) or a missing body. Returns the
 * decoded, not yet validated, value.
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

  const text = decodeUtf8KeepingInvalid(bytes, { dropByteOrderMark: true });
  const decode = decoders[type] ?? parseJson;
  if (text.isWellFormed()) return decode(text, bytes);
  // Bytes that are not UTF-8 (kept as lone surrogates by the decoding): name the fields they ended
  // up in. When the content does not decode, or they vanished (a repeated JSON key), the body as a whole.
  let value: unknown;
  try {
    value = decode(text, bytes);
  } catch {
    throw notUtf8();
  }
  const errors = illFormedTextErrors(value, 'body');
  throw errors.length > 0 ? validationError(errors) : notUtf8();
}

function notUtf8(): ApiError {
  return new ApiError('malformedJson', 'The request body is not valid UTF-8.');
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
