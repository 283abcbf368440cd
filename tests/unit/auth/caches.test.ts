import { describe, expect, it } from 'vitest';
import { DirectoryCache } from '../../../shared/auth/directory-cache.js';
import type { Principal } from '../../../shared/auth/roles.js';
import { cachingTokenVerifier } from '../../../shared/auth/token-cache.js';
import type { TokenVerifier, VerifyResult } from '../../../shared/auth/verify-token.js';
import type { StoredUser } from '../../../shared/domain/user-document.js';

/** A compact JWS-shaped token (unsigned: the verifier under the cache is a stand-in) with these claims. */
function token(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** A verifier that accepts every token except those in `refused`, counting its calls. */
function countingVerifier(refused: Set<string> = new Set()) {
  const calls: string[] = [];
  const verifier: TokenVerifier = {
    async verify(header): Promise<VerifyResult> {
      calls.push(header ?? '');
      if (!header?.startsWith('Bearer ')) return { ok: false, failure: { reason: 'malformed', detail: 'not a bearer token' } };
      const raw = header.slice('Bearer '.length);
      if (refused.has(raw)) return { ok: false, failure: { reason: 'invalid', detail: 'refused' } };
      const principal: Principal = { userId: JSON.parse(Buffer.from(raw.split('.')[1]!, 'base64url').toString()).sub, name: undefined, roles: ['viewer'] };
      return { ok: true, principal };
    },
  };
  return { verifier, calls };
}

describe('cachingTokenVerifier', () => {
  const T0 = 1_900_000_000_000;

  it('reports every lookup of a bearer token as a hit or a miss (the auth.tokenCache metric), and none for a header that is no bearer token', async () => {
    const refused = token({ sub: 'u2', exp: (T0 + 60_000) / 1000 });
    const { verifier } = countingVerifier(new Set([refused]));
    const lookups: boolean[] = [];
    const cached = cachingTokenVerifier(verifier, { clock: () => T0, onLookup: (hit) => lookups.push(hit) });
    const bearer = `Bearer ${token({ sub: 'u1', exp: (T0 + 60_000) / 1000 })}`;
    await cached.verify(bearer);
    await cached.verify(bearer);
    await cached.verify(bearer);
    await cached.verify(`Bearer ${refused}`);
    await cached.verify('Basic dXNlcjpwYXNz');
    expect(lookups).toEqual([false, true, true, false]);
  });

  it('verifies a token once and reuses the result until just before its exp, never at or after it', async () => {
    let now = T0;
    const { verifier, calls } = countingVerifier();
    const cached = cachingTokenVerifier(verifier, { clock: () => now, maxAgeMs: 3_600_000 });
    const bearer = `Bearer ${token({ sub: 'u1', exp: (T0 + 60_000) / 1000 })}`;

    expect(await cached.verify(bearer)).toMatchObject({ ok: true, principal: { userId: 'u1' } });
    expect(await cached.verify(bearer)).toMatchObject({ ok: true, principal: { userId: 'u1' } });
    now = T0 + 59_999;
    await cached.verify(bearer);
    expect(calls).toHaveLength(1);
    now = T0 + 60_000;
    await cached.verify(bearer);
    expect(calls).toHaveLength(2);
  });

  it('reuses a result for at most maxAgeMs, however far away exp is', async () => {
    let now = T0;
    const { verifier, calls } = countingVerifier();
    const cached = cachingTokenVerifier(verifier, { clock: () => now, maxAgeMs: 1000 });
    const bearer = `Bearer ${token({ sub: 'u1', exp: (T0 + 3_600_000) / 1000 })}`;
    await cached.verify(bearer);
    now = T0 + 999;
    await cached.verify(bearer);
    now = T0 + 1000;
    await cached.verify(bearer);
    expect(calls).toHaveLength(2);
  });

  it('never remembers a refusal, a token without exp, or a header that is not a bearer token', async () => {
    const bad = token({ sub: 'u2', exp: (T0 + 60_000) / 1000 });
    const { verifier, calls } = countingVerifier(new Set([bad]));
    const cached = cachingTokenVerifier(verifier, { clock: () => T0 });
    const noExp = `Bearer ${token({ sub: 'u3' })}`;
    for (let i = 0; i < 2; i++) {
      expect((await cached.verify(`Bearer ${bad}`)).ok).toBe(false);
      await cached.verify(noExp);
      await cached.verify('Basic dXNlcjpwYXNz');
      await cached.verify(undefined);
    }
    expect(calls).toHaveLength(8);
    expect(cached.size).toBe(0);
  });

  it('holds at most maxEntries tokens, forgetting the least recently used', async () => {
    const { verifier, calls } = countingVerifier();
    const cached = cachingTokenVerifier(verifier, { clock: () => T0, maxEntries: 2 });
    const [a, b, c] = ['a', 'b', 'c'].map((sub) => `Bearer ${token({ sub, exp: (T0 + 60_000) / 1000 })}`);
    await cached.verify(a);
    await cached.verify(b);
    await cached.verify(a); // a is now the most recent
    await cached.verify(c); // evicts b
    expect(cached.size).toBe(2);
    expect(calls).toHaveLength(3);
    await cached.verify(a);
    expect(calls).toHaveLength(3);
    await cached.verify(b);
    expect(calls).toHaveLength(4);
  });
});

describe('DirectoryCache', () => {
  const entry = (id: string, active = true): StoredUser => ({
    document: { id, name: id, email: `${id}@x`, roles: ['caseworker'], jurisdictions: ['IA'], locations: [], active, createdAt: '', updatedAt: '' },
    etag: '"1"',
    cosmosEtag: '"1"',
  });

  function countingUsers(entries: Map<string, StoredUser>) {
    const reads: string[] = [];
    return {
      reads,
      async get(id: string) {
        reads.push(id);
        await new Promise((resolve) => setImmediate(resolve));
        return entries.get(id);
      },
    };
  }

  it('reads an entry once per ttl, absence included, and again after it', async () => {
    let now = 0;
    const users = countingUsers(new Map([['u1', entry('u1')]]));
    const cache = new DirectoryCache(users, { ttlMs: 30_000, clock: () => now });
    expect((await cache.get('u1'))?.document.active).toBe(true);
    expect(await cache.get('nobody')).toBeUndefined();
    now = 29_999;
    await cache.get('u1');
    await cache.get('nobody');
    expect(users.reads).toEqual(['u1', 'nobody']);
    now = 30_000;
    await cache.get('u1');
    expect(users.reads).toEqual(['u1', 'nobody', 'u1']);
  });

  it('shares one read between concurrent misses', async () => {
    const users = countingUsers(new Map([['u1', entry('u1')]]));
    const cache = new DirectoryCache(users);
    const results = await Promise.all(Array.from({ length: 10 }, () => cache.get('u1')));
    expect(results.every((result) => result?.document.id === 'u1')).toBe(true);
    expect(users.reads).toEqual(['u1']);
  });

  it('forgets an entry when told it changed, and does not keep a read that started before', async () => {
    const entries = new Map([['u1', entry('u1')]]);
    const users = countingUsers(entries);
    const cache = new DirectoryCache(users);
    await cache.get('u1');
    const inFlightBefore = (cache.invalidate('u1'), cache.get('u1'));
    entries.set('u1', entry('u1', false));
    cache.invalidate('u1');
    await inFlightBefore;
    expect((await cache.get('u1'))?.document.active).toBe(false);
  });

  it('holds at most maxEntries users', async () => {
    const users = countingUsers(new Map());
    const cache = new DirectoryCache(users, { maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) await cache.get(id);
    expect(cache.size).toBe(3);
  });
});
