import { AppError } from '../errors/app-error.js';

/** Parses an If-Match / If-None-Match value into entity tags; `*` is returned as is. */
export function parseEntityTags(header: string): string[] | '*' {
  const trimmed = header.trim();
  if (trimmed === '*') return '*';
  const tags = trimmed.match(/(W\/)?"[^"]*"/g);
  if (!tags || tags.length === 0) {
    throw new AppError('validation', 'If-Match / If-None-Match must hold quoted entity tags, e.g. "abc", or *.', {
      errors: [{ in: 'header', field: 'If-Match', message: 'must be a quoted entity tag or *' }],
    });
  }
  return tags;
}

const opaque = (tag: string): string => tag.replace(/^W\//, '');

/** Weak comparison (RFC 9110 §8.8.3.2), as If-None-Match requires. */
export function matchesIfNoneMatch(header: string | null, currentEtag: string): boolean {
  if (!header) return false;
  const tags = parseEntityTags(header);
  return tags === '*' || tags.some((tag) => opaque(tag) === opaque(currentEtag));
}

/**
 * The entity tag a write must be conditioned on. If-Match is required for every change to an
 * existing task (428 without it) so no client overwrites a change it has not seen; a stale tag is
 * 412. Strong comparison: weak tags never match (RFC 9110 §13.1.1).
 */
export function requireIfMatch(header: string | null, currentEtag: string): void {
  if (!header) {
    throw new AppError('preconditionRequired', 'Send If-Match with the ETag you last read, so changes made since are not overwritten.');
  }
  const tags = parseEntityTags(header);
  if (tags === '*' || tags.some((tag) => !tag.startsWith('W/') && tag === currentEtag)) return;
  throw new AppError('preconditionFailed', 'The resource has changed since you read it. Fetch it again and retry with the new ETag.', {
    currentEtag,
  });
}
