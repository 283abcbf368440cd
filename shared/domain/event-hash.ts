import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { taskEventSchema, type TaskEvent } from '../schemas/event.js';

/** The fields an event's hash covers: every field of the event schema except the hash itself. */
const HASHED_FIELDS = Object.keys(taskEventSchema.shape).filter((key) => key !== 'hash') as (keyof TaskEvent)[];

/**
 * The hash of an event: SHA-256 over its RFC 8785 canonical JSON. Canonical JSON (sorted keys,
 * fixed number format) makes the hash independent of how the event was serialised, stored and
 * read back; only the event's own fields count, so what storage adds (e.g. `recordedAt`) does not.
 */
export function eventHash(event: Omit<TaskEvent, 'hash'> | TaskEvent): string {
  const content = Object.fromEntries(HASHED_FIELDS.map((key) => [key, (event as TaskEvent)[key]]));
  const canonical = canonicalize(content);
  if (canonical === undefined) throw new Error('event cannot be canonicalised');
  return createHash('sha256').update(canonical).digest('hex');
}
