import { decodeUtf8KeepingInvalid } from './well-formed-text.js';

/**
 * Query parameters as a plain object for schema validation: a parameter given once is a string,
 * one given several times an array (so single-valued parameters can reject repetition).
 *
 * Parsed from the request URL as URLSearchParams parses it (application/x-www-form-urlencoded:
 * `&`-separated, `+` is a space, percent-decoding, UTF-8), with one difference: percent-encoded
 * bytes that are not UTF-8 (`%ED%A0%80`, a UTF-16 surrogate encoded as if it were a character)
 * are kept as lone surrogates instead of being replaced by U+FFFD, so the pipeline refuses them
 * with a 400 naming the parameter instead of silently searching for replacement characters.
 */
export function queryToObject(url: string): Record<string, string | string[]> {
  const result = new Map<string, string | string[]>();
  const search = new URL(url).search.slice(1);
  for (const pair of search.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = formDecode(separator === -1 ? pair : pair.slice(0, separator));
    const value = formDecode(separator === -1 ? '' : pair.slice(separator + 1));
    const previous = result.get(name);
    result.set(name, previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value]);
  }
  return Object.fromEntries(result);
}

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/** `+` to space, then percent-decoding of the UTF-8 bytes (a `%` not followed by two hex digits stays as is). */
function formDecode(text: string): string {
  const input = new TextEncoder().encode(text.replaceAll('+', ' '));
  const bytes = new Uint8Array(input.length);
  let length = 0;
  for (let index = 0; index < input.length; index++) {
    const hex = input[index] === 0x25 ? String.fromCharCode(input[index + 1] ?? 0, input[index + 2] ?? 0) : '';
    if (HEX_PAIR.test(hex)) {
      bytes[length++] = Number.parseInt(hex, 16);
      index += 2;
    } else {
      bytes[length++] = input[index]!;
    }
  }
  return decodeUtf8KeepingInvalid(bytes.subarray(0, length), { dropByteOrderMark: false });
}
