import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { BoundedLru } from '../cache/bounded-lru.js';
import { readBearerToken } from './bearer.js';
import type { Principal } from './roles.js';
import type { TokenVerifier } from './verify-token.js';

export interface TokenCacheOptions {
  /** Most tokens remembered; the least recently used is forgotten first. Default 10,000. */
  maxEntries?: number;
  /**
   * Longest a verification is reused, whatever the token's `exp` says. Default 5 minutes: it
   * bounds how long a token keeps working after its signing key is withdrawn from the key set,
   * and how long a rule added to the verifier takes to reach tokens already seen.
   */
  maxAgeMs?: number;
  /** Milliseconds since the epoch; the real clock unless a test supplies one. */
  clock?: () => number;
  /** Told of every lookup of a well-formed bearer token, hit or miss (the hit-rate metric). */
  onLookup?: (hit: boolean) => void;
}

export const TOKEN_CACHE_DEFAULTS = { maxEntries: 10_000, maxAgeMs: 5 * 60_000 } as const;

interface Verified {
  principal: Principal;
  /** The token's `exp` in ms, or the end of maxAgeMs if that comes first. */
  reuseUntilMs: number;
}

/**
 * Remembers tokens that verified, so a caller's next requests skip the signature check and the
 * claim checks: the cache key is the SHA-256 of the token (the token itself is never kept), and
 * an entry is reused only strictly before the token's `exp` (no clock tolerance: after `exp` the
 * verifier decides again, with its tolerance) and for at most `maxAgeMs`. Refused tokens are never
 * remembered, so a failure is always re-checked and always reported by the verifier itself.
 */
export function cachingTokenVerifier(inner: TokenVerifier, options: TokenCacheOptions = {}): TokenVerifier & { readonly size: number } {
  const maxAgeMs = options.maxAgeMs ?? TOKEN_CACHE_DEFAULTS.maxAgeMs;
  const clock = options.clock ?? Date.now;
  const verified = new BoundedLru<string, Verified>(options.maxEntries ?? TOKEN_CACHE_DEFAULTS.maxEntries);

  return {
    get size() {
      return verified.size;
    },
    async verify(authorizationHeader) {
      const bearer = readBearerToken(authorizationHeader);
      if (!bearer.ok) return inner.verify(authorizationHeader);
      const key = createHash('sha256').update(bearer.token).digest('base64url');
      const hit = verified.get(key);
      if (hit) {
        if (clock() < hit.reuseUntilMs) {
          options.onLookup?.(true);
          return { ok: true, principal: hit.principal };
        }
        verified.delete(key);
      }
      options.onLookup?.(false);
      const checkedAt = clock();
      const result = await inner.verify(authorizationHeader);
      if (result.ok) {
        const exp = expiryMs(bearer.token);
        const reuseUntilMs = exp === undefined ? checkedAt : Math.min(exp, checkedAt + maxAgeMs);
        if (reuseUntilMs > clock()) verified.set(key, { principal: result.principal, reuseUntilMs });
      }
      return result;
    },
  };
}

/** The verified token's `exp` in ms; undefined when it has none (the verifier requires it, so never in practice). */
function expiryMs(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
