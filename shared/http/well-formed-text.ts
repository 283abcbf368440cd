import type { FieldError } from '../schemas/problem.js';

/**
 * Every string the API accepts must be well-formed Unicode: no lone UTF-16 surrogate (a JSON
 * `"\ud800"` escape) and no bytes that are not UTF-8. Such text cannot be hashed (RFC 8785
 * canonical JSON refuses it, and every task event is hashed), nor written as UTF-8 without
 * silently changing it. I-JSON (RFC 7493 §2.1) forbids it for the same reason.
 *
 * The check is part of request decoding, not of each schema: the pipeline runs it over everything
 * it decoded (path parameters, query parameters, the body as JSON or as a decoder's output such
 * as CSV rows) before any schema sees it, so no string field, present or future, can escape it.
 * A request holding such text is refused as a whole (400), each bad value named by its path.
 */

export const ILL_FORMED_TEXT_MESSAGE = 'must be well-formed Unicode text (it holds a lone surrogate or bytes that are not UTF-8)';
export const ILL_FORMED_NAME_MESSAGE = 'is a field name that is not well-formed Unicode text';

const MAX_FIELD_LENGTH = 200;

/** A lone surrogate written out as `\uD800`, so a field name can be reported in well-formed text. */
export function escapeLoneSurrogates(text: string): string {
  if (text.isWellFormed()) return text;
  let result = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    result += code >= 0xd800 && code <= 0xdfff ? `\\u${code.toString(16).toUpperCase()}` : char;
  }
  return result;
}

/**
 * The field errors for every string (and object key) in a decoded value that is not well-formed
 * Unicode, named by dotted path (`items.3.task.title`); for query parameters, by the parameter's
 * name. Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function illFormedTextErrors(value: unknown, location: FieldError['in']): FieldError[] {
  const errors: FieldError[] = [];
  // Each pending value links to its parent, so a path is only built for a value that is reported.
  type Node = { value: unknown; key: string; parent: Node | undefined };
  const field = (node: Node | undefined, key?: string) => {
    const path = key === undefined ? [] : [key];
    for (let at = node; at?.parent; at = at.parent) path.unshift(at.key);
    const named = location === 'query' ? path.slice(0, 1) : path;
    return (named.join('.') || '(root)').slice(0, MAX_FIELD_LENGTH);
  };
  const pending: Node[] = [{ value, key: '', parent: undefined }];
  while (pending.length > 0) {
    const node = pending.pop()!;
    const current = node.value;
    if (typeof current === 'string') {
      if (!current.isWellFormed()) errors.push({ in: location, field: field(node), message: ILL_FORMED_TEXT_MESSAGE });
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) pending.push({ value: current[index], key: String(index), parent: node });
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, member] = entries[index]!;
        if (key.isWellFormed()) pending.push({ value: member, key, parent: node });
        else errors.push({ in: location, field: field(node, escapeLoneSurrogates(key)), message: ILL_FORMED_NAME_MESSAGE });
      }
    }
  }
  // One error per field: a repeated query parameter is named once.
  const seen = new Set<string>();
  return errors.filter((error) => !seen.has(error.field) && Boolean(seen.add(error.field)));
}

/**
 * Decodes UTF-8 as TextDecoder does, except that each byte of an invalid sequence becomes a lone
 * low surrogate (U+DC80-U+DCFF, as Python's "surrogateescape" does) instead of U+FFFD. Invalid
 * input then stays detectably invalid wherever it ends up after JSON, CSV or query decoding, so
 * the check above can name the field that holds it rather than refusing "the body".
 */
export function decodeUtf8KeepingInvalid(bytes: Uint8Array, options: { dropByteOrderMark: boolean }): string {
  // A leading byte order mark is dropped from a body, as TextDecoder does by default; one further in is text.
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = options.dropByteOrderMark && hasBom ? bytes.subarray(3) : bytes;
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return strict.decode(body);
  } catch {
    // Not UTF-8 throughout: decoded below, sequence by sequence.
  }
  let text = '';
  let validFrom = 0;
  let index = 0;
  while (index < body.length) {
    const length = validSequenceLength(body, index);
    if (length > 0) {
      index += length;
      continue;
    }
    text += strict.decode(body.subarray(validFrom, index)) + String.fromCharCode(0xdc00 + body[index]!);
    index += 1;
    validFrom = index;
  }
  return text + strict.decode(body.subarray(validFrom));
}

/** The length of the well-formed UTF-8 sequence at `index` (Unicode Table 3-7), or 0. */
function validSequenceLength(bytes: Uint8Array, index: number): number {
  const first = bytes[index]!;
  if (first < 0x80) return 1;
  const continuation = (offset: number, low = 0x80, high = 0xbf) => {
    const byte = bytes[index + offset];
    return byte !== undefined && byte >= low && byte <= high;
  };
  if (first >= 0xc2 && first <= 0xdf) return continuation(1) ? 2 : 0;
  if (first >= 0xe0 && first <= 0xef) {
    const [low, high] = first === 0xe0 ? [0xa0, 0xbf] : first === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (first >= 0xf0 && first <= 0xf4) {
    const [low, high] = first === 0xf0 ? [0x90, 0xbf] : first === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}
