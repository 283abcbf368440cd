import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { TaskEvent } from '../schemas/event.js';

/**
 * The hash of an event: SHA-256 over its RFC 8785 canonical JSON, excluding the hash itself.
 * Canonical JSON (sorted keys, fixed number format) makes the hash independent of how the
 * event was serialised, stored and read back.
 */
export function eventHash(event: Omit<TaskEvent, 'hash'> | TaskEvent): string {
  const { hash: _ignored, ...content } = event as TaskEvent;
  const canonical = canonicalize(content);
  if (canonical === undefined) throw new Error('event cannot be canonicalised');
  return createHash('sha256').update(canonical).digest('hex');
}
