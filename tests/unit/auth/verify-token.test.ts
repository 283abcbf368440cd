import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { createTokenVerifier, JwksUnavailableError, MAX_TOKEN_LIFETIME_SECONDS, type TokenVerifier } from '../../../shared/auth/verify-token.js';
import { startJwksServer, type JwksServer } from './jwks-server.js';

const ISSUER = 'https://login.example.test/tenant-1/v2.0';
const AUDIENCE = 'api://caseload-test';
const USER_OID = '11111111-2222-4333-8444-555555555555';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'pairwise-subject',
    oid: USER_OID,
    name: 'Casey Caseworker',
    roles: ['caseworker'],
    iat: now(),
    nbf: now(),
    exp: now() + 600,
    ...overrides,
  };
}

/** Signs the payload as is: claims set to undefined are left out of the token. */
function sign(key: SigningKey, payload: JWTPayload = claims(), kid = key.kid): Promise<string> {
  const defined = Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== undefined));
  return new SignJWT(defined).setProtectedHeader({ alg: key.alg, kid, typ: 'JWT' }).sign(key.privateKey);
}

function unsigned(header: object, payload: object, signature = ''): string {
  const encode = (part: object) => base64url.encode(JSON.stringify(part));
  return `${encode(header)}.${encode(payload)}.${signature}`;
}

let rsa: SigningKey;
let ec: SigningKey;
let server: JwksServer;

beforeAll(async () => {
  rsa = await signingKey('RS256', 'rsa-1');
  ec = await signingKey('ES256', 'ec-1');
  server = await startJwksServer([rsa.jwk, ec.jwk]);
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  vi.useRealTimers();
  server.setKeys([rsa.jwk, ec.jwk]);
  server.setFailing(undefined);
});

function verifier(overrides: { clockToleranceSeconds?: number; jwksUri?: string } = {}): TokenVerifier {
  return createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: server.jwksUri, ...overrides });
}

async function failureOf(header: string | null | undefined, v = verifier()) {
  const result = await v.verify(header);
  if (result.ok) throw new Error(`expected a failure, got principal ${result.principal.userId}`);
  return result.failure;
}

describe('createTokenVerifier: accepted tokens', () => {
  it('returns the principal of a valid RS256 token', async () => {
    const result = await verifier().verify(`Bearer ${await sign(rsa)}`);
    expect(result).toEqual({
      ok: true,
      principal: { userId: USER_OID, name: 'Casey Caseworker', roles: ['caseworker'] },
    });
  });

  it('accepts ES256 and a lower-case scheme', async () => {
    const result = await verifier().verify(`bearer ${await sign(ec)}`);
    expect(result.ok).toBe(true);
  });

  it('accepts an aud array that contains the audience', async () => {
    const token = await sign(rsa, claims({ aud: ['other-api', AUDIENCE] }));
    expect((await verifier().verify(`Bearer ${token}`)).ok).toBe(true);
  });

  it('falls back to sub and preferred_username, and drops unknown roles', async () => {
    const token = await sign(
      rsa,
      claims({ oid: undefined, name: undefined, preferred_username: 'casey@example.test', roles: ['Task.Admin', 'viewer', 'root', 'viewer'] }),
    );
    const result = await verifier().verify(`Bearer ${token}`);
    expect(result).toEqual({ ok: true, principal: { userId: 'pairwise-subject', name: 'casey@example.test', roles: ['viewer'] } });
  });

  it('keeps a token with no known role as an identity with roles []', async () => {
    const token = await sign(rsa, claims({ roles: ['Someone.Elses.Role'] }));
    const result = await verifier().verify(`Bearer ${token}`);
    expect(result).toEqual({ ok: true, principal: { userId: USER_OID, name: 'Casey Caseworker', roles: [] } });
  });

  it('tolerates 5 minutes of clock skew by default (exp, nbf, iat), and only what it is told otherwise', async () => {
    const lateToken = await sign(rsa, claims({ exp: now() - 240 }));
    const earlyToken = await sign(rsa, claims({ nbf: now() + 240 }));
    const issuedAhead = await sign(rsa, claims({ iat: now() + 240, nbf: undefined, exp: now() + 3600 }));
    expect((await verifier().verify(`Bearer ${issuedAhead}`)).ok).toBe(true);
    expect((await failureOf(`Bearer ${issuedAhead}`, verifier({ clockToleranceSeconds: 0 }))).detail).toBe('token was issued in the future');
    expect((await verifier().verify(`Bearer ${lateToken}`)).ok).toBe(true);
    expect((await verifier().verify(`Bearer ${earlyToken}`)).ok).toBe(true);
    const strict = verifier({ clockToleranceSeconds: 0 });
    expect((await failureOf(`Bearer ${lateToken}`, strict)).reason).toBe('expired');
    expect((await failureOf(`Bearer ${earlyToken}`, strict)).detail).toBe('token is not valid yet');
  });

  it('fetches the key set once per verifier, not per request', async () => {
    const v = verifier();
    const before = server.hits;
    const token = await sign(rsa);
    for (let i = 0; i < 3; i += 1) expect((await v.verify(`Bearer ${token}`)).ok).toBe(true);
    expect(server.hits - before).toBe(1);
  });

  it('picks up a rotated key once the refetch cooldown has passed', async () => {
    const v = verifier();
    expect((await v.verify(`Bearer ${await sign(rsa)}`)).ok).toBe(true);
    const rotated = await signingKey('RS256', 'rsa-2');
    server.setKeys([rotated.jwk]);
    const token = await sign(rotated);
    // Within jose's 30 s cooldown an unknown kid is refused without hammering the endpoint...
    expect((await failureOf(`Bearer ${token}`, v)).reason).toBe('invalid');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    // ...after it, the unknown kid triggers a refetch and the new key is used.
    expect((await v.verify(`Bearer ${token}`)).ok).toBe(true);
  });
});

describe('createTokenVerifier: refused tokens', () => {
  it.each([undefined, null, '', '   '])('reports a missing header (%j)', async (header) => {
    expect(await failureOf(header)).toEqual({ reason: 'missing', detail: expect.any(String) });
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a.b.c d', 'Token abc.def.ghi', 'Bearer not-a-jwt', 'Bearer a.b', 'Bearer a.b.c.d', 'Bearer a!.b.c'])(
    'reports a malformed header (%s)',
    async (header) => {
      expect((await failureOf(header)).reason).toBe('malformed');
    },
  );

  it('reports a structurally broken JWT as malformed', async () => {
    const header = base64url.encode('{not json');
    expect((await failureOf(`Bearer ${header}.e30.c2ln`)).reason).toBe('malformed');
  });

  it('reports an expired token as expired', async () => {
    const token = await sign(rsa, claims({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }));
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'expired', detail: 'token has expired' });
  });

  it('refuses a token issued in the future beyond the clock tolerance', async () => {
    const token = await sign(rsa, claims({ iat: now() + 3600, nbf: undefined, exp: now() + 7200 }));
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'invalid', detail: 'token was issued in the future' });
  });

  it('refuses a token that lives longer than 24 hours (exp - iat), however far off its expiry; accepts exactly 24 hours', async () => {
    const century = await sign(rsa, claims({ exp: now() + 100 * 365 * 86_400 }));
    expect(await failureOf(`Bearer ${century}`)).toEqual({ reason: 'invalid', detail: 'token lifetime (exp - iat) is longer than 24 hours' });
    const dayAndASecond = await sign(rsa, claims({ exp: now() + MAX_TOKEN_LIFETIME_SECONDS + 1 }));
    expect((await failureOf(`Bearer ${dayAndASecond}`)).reason).toBe('invalid');
    const day = await sign(rsa, claims({ exp: now() + MAX_TOKEN_LIFETIME_SECONDS }));
    expect((await verifier().verify(`Bearer ${day}`)).ok).toBe(true);
  });

  it('refuses a token issued more than 24 hours ago, even with an exp still ahead', async () => {
    const token = await sign(rsa, claims({ iat: now() - MAX_TOKEN_LIFETIME_SECONDS - 3600, nbf: undefined, exp: now() + 600 }));
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'expired', detail: 'token is too old' });
  });

  it('refuses a token that is not valid yet', async () => {
    const token = await sign(rsa, claims({ nbf: now() + 3600 }));
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'invalid', detail: 'token is not valid yet' });
  });

  it('refuses the wrong issuer', async () => {
    const token = await sign(rsa, claims({ iss: 'https://login.example.test/other-tenant/v2.0' }));
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'invalid', detail: 'token "iss" claim is not accepted' });
  });

  it('refuses the wrong audience', async () => {
    const token = await sign(rsa, claims({ aud: 'api://some-other-api' }));
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'invalid', detail: 'token "aud" claim is not accepted' });
  });

  it.each(['exp', 'iat', 'sub'])('refuses a token without %s', async (claim) => {
    const token = await sign(rsa, claims({ [claim]: undefined }));
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'invalid', detail: `token lacks the required "${claim}" claim` });
  });

  it('refuses alg none', async () => {
    const token = unsigned({ alg: 'none', typ: 'JWT' }, claims());
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'invalid', detail: 'token signing algorithm is not allowed' });
  });

  it('refuses HS256, even when HMAC-keyed with the published public key', async () => {
    const secret = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: rsa.kid }).sign(secret);
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'invalid', detail: 'token signing algorithm is not allowed' });
  });

  it('refuses a token signed by another key that claims a published kid', async () => {
    const impostor = await signingKey('RS256', rsa.kid);
    const token = await sign(impostor);
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'invalid', detail: 'token signature is not valid' });
  });

  it('refuses a token whose kid is not published', async () => {
    const stranger = await signingKey('ES256', 'unknown-kid');
    expect(await failureOf(`Bearer ${await sign(stranger)}`)).toEqual({ reason: 'invalid', detail: 'token was not signed by a known key' });
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await sign(rsa)).split('.');
    const forged = base64url.encode(JSON.stringify(claims({ roles: ['admin'] })));
    expect((await failureOf(`Bearer ${header}.${forged}.${signature}`)).detail).toBe('token signature is not valid');
  });

  it.each(['oid', 'sub', 'name', 'preferred_username'])('refuses a token whose %s claim holds a lone surrogate (it would be stored and hashed)', async (claim) => {
    const token = await sign(rsa, claims({ [claim]: 'Casey \ud800' }));
    expect(await failureOf(`Bearer ${token}`)).toEqual({ reason: 'invalid', detail: 'token claims hold text that is not well-formed Unicode' });
  });

  it('never echoes the token in a failure detail', async () => {
    const tokens = [
      await sign(rsa, claims({ exp: now() - 3600 })),
      await sign(rsa, claims({ iss: 'https://evil.example.test' })),
      await sign(rsa, claims({ aud: 'api://secret-looking-audience' })),
      unsigned({ alg: 'none' }, claims()),
      await sign(await signingKey('RS256', rsa.kid)),
    ];
    for (const token of tokens) {
      const { detail } = await failureOf(`Bearer ${token}`);
      for (const part of [token, ...token.split('.').filter((p) => p.length > 8)]) expect(detail).not.toContain(part);
      expect(detail).not.toMatch(/evil|secret-looking/);
    }
  });
});

describe('createTokenVerifier: key set unavailable', () => {
  it('throws JwksUnavailableError when the JWKS endpoint is down', async () => {
    const down = await startJwksServer([rsa.jwk]);
    const v = verifier({ jwksUri: down.jwksUri });
    await down.close();
    await expect(v.verify(`Bearer ${await sign(rsa)}`)).rejects.toBeInstanceOf(JwksUnavailableError);
  });

  it('throws JwksUnavailableError on an error status, and recovers once the endpoint does', async () => {
    const v = verifier();
    const token = await sign(rsa);
    server.setFailing(503);
    const error = await v.verify(`Bearer ${token}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect((error as JwksUnavailableError).jwksUri).toBe(server.jwksUri);
    server.setFailing(undefined);
    expect((await v.verify(`Bearer ${token}`)).ok).toBe(true);
  });

  it('does not contact the key set for headers that are refused up front', async () => {
    const before = server.hits;
    await failureOf('Basic abc');
    await failureOf(`Bearer ${unsigned({ alg: 'none' }, claims())}`);
    await failureOf(`Bearer ${unsigned({ alg: 'HS256' }, claims(), 'c2ln')}`);
    expect(server.hits).toBe(before);
  });
});

describe('createTokenVerifier: options', () => {
  it('refuses a plain-http JWKS URI that is not loopback', () => {
    expect(() => createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'http://keys.example.test/jwks' })).toThrow(/https/);
  });

  it('accepts https and loopback JWKS URIs', () => {
    for (const jwksUri of ['https://login.microsoftonline.com/t/discovery/v2.0/keys', 'http://localhost:7071/api/.well-known/jwks.json', 'http://[::1]:1/k']) {
      expect(() => createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri })).not.toThrow();
    }
  });

  it('refuses an empty issuer or audience and a negative tolerance', () => {
    expect(() => createTokenVerifier({ issuer: ' ', audience: AUDIENCE, jwksUri: server.jwksUri })).toThrow(/issuer/);
    expect(() => createTokenVerifier({ issuer: ISSUER, audience: '', jwksUri: server.jwksUri })).toThrow(/audience/);
    expect(() => verifier({ clockToleranceSeconds: -1 })).toThrow(/clockTolerance/);
  });
});
