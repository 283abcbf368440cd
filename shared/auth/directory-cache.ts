import { BoundedLru } from '../cache/bounded-lru.js';
import type { StoredUser } from '../domain/user-document.js';

export interface DirectoryCacheOptions {
  /**
   * How long an entry read from the users directory is trusted. Default 30 s: a deactivation or a
   * change of jurisdictions made through another instance reaches this one within that time (one
   * made through this instance applies at once, see `invalidate`).
   */
  ttlMs?: number;
  /** Most users remembered; the least recently used is forgotten first. Default 10,000. */
  maxEntries?: number;
  /** Milliseconds since the epoch; the real clock unless a test supplies one. */
  clock?: () => number;
}

export const DIRECTORY_CACHE_DEFAULTS = { ttlMs: 30_000, maxEntries: 10_000 } as const;

interface Remembered {
  entry: StoredUser | undefined;
  readAtMs: number;
}

/**
 * The caller's users-directory entry (work scope, active flag) for authentication, from a bounded
 * in-process cache instead of a point read on every request. Absence is remembered too (an admin
 * without an entry is a break-glass account; anyone else is refused), for the same time.
 * Concurrent misses for one user share a single read.
 *
 * Only authentication reads through it. Decisions about other users (is the new assignee active
 * and allowed to work there?) still read the directory itself: they are rare and must be exact.
 */
export class DirectoryCache {
  private readonly ttlMs: number;
  private readonly clock: () => number;
  private readonly remembered: BoundedLru<string, Remembered>;
  private readonly inFlight = new Map<string, Promise<StoredUser | undefined>>();
  /** Bumped by invalidate(), so a read that started before it is not remembered after it. */
  private generation = 0;

  constructor(
    private readonly users: { get(id: string): Promise<StoredUser | undefined> },
    options: DirectoryCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DIRECTORY_CACHE_DEFAULTS.ttlMs;
    this.clock = options.clock ?? Date.now;
    this.remembered = new BoundedLru(options.maxEntries ?? DIRECTORY_CACHE_DEFAULTS.maxEntries);
  }

  get size(): number {
    return this.remembered.size;
  }

  async get(userId: string): Promise<StoredUser | undefined> {
    const hit = this.remembered.get(userId);
    if (hit && this.clock() - hit.readAtMs < this.ttlMs) return hit.entry;
    const pending = this.inFlight.get(userId);
    if (pending) return pending;
    const generation = this.generation;
    const readAtMs = this.clock();
    const read: Promise<StoredUser | undefined> = this.users
      .get(userId)
      .then((entry) => {
        if (generation === this.generation) this.remembered.set(userId, { entry, readAtMs });
        return entry;
      })
      .finally(() => {
        if (this.inFlight.get(userId) === read) this.inFlight.delete(userId);
      });
    this.inFlight.set(userId, read);
    return read;
  }

  /** Forgets a user, after this instance changed their entry: the next request reads it again. */
  invalidate(userId: string): void {
    this.generation += 1;
    this.remembered.delete(userId);
    this.inFlight.delete(userId);
  }
}
