import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReadiness, READINESS_CACHE_MS, type ReadinessDeps } from '../../../shared/health/readiness.js';
import { correlationIdFrom } from '../../../shared/http/correlation.js';

/**
 * Readiness against stand-ins that count what they are asked: a round of checks answers every
 * probe for READINESS_CACHE_MS, so a storm of probes costs each dependency one check per round.
 */

let jwks: Server;
let jwksCalls = 0;
beforeAll(async () => {
  jwks = createServer((_request, response) => {
    jwksCalls += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  await new Promise<void>((listening) => jwks.listen(0, '127.0.0.1', listening));
});
afterAll(() => jwks?.close());

function dependencies(options: { notifications: boolean; serviceBusDown?: boolean }) {
  const calls = { cosmos: 0, serviceBus: 0, secrets: 0 };
  const { port } = jwks.address() as AddressInfo;
  const deps = {
    database: { read: async () => void calls.cosmos++ },
    settings: { auth: { jwksUri: `http://127.0.0.1:${port}/keys` }, notify: { templates: options.notifications ? {} : undefined } },
    messaging: {
      checkHealth: async () => {
        calls.serviceBus += 1;
        if (options.serviceBusDown) throw new Error('amqp://secret-namespace.servicebus.windows.net refused');
      },
    },
    notifyApiKey: { description: 'test', read: async () => String(calls.secrets++) },
  } as unknown as ReadinessDeps;
  return { deps, calls };
}

describe('readiness', () => {
  it('checks each dependency once per round, however many probes arrive, and again once the round is older than the cache', async () => {
    const { deps, calls } = dependencies({ notifications: true });
    let now = 1_000_000;
    jwksCalls = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, () => checkReadiness(deps, () => now)));
    now += READINESS_CACHE_MS - 1;
    answers.push(await checkReadiness(deps, () => now));
    expect(calls).toEqual({ cosmos: 1, serviceBus: 1, secrets: 1 });
    expect(jwksCalls).toBe(1);
    expect(new Set(answers.map((answer) => answer.checkedAt)).size).toBe(1);
    expect(Object.keys(answers[0]!.checks).sort()).toEqual(['cosmos', 'identityProvider', 'secrets', 'serviceBus']);
    for (const check of Object.values(answers[0]!.checks)) expect(check).toEqual({ status: 'ok', durationMs: expect.any(Number) });

    now += 1;
    const next = await checkReadiness(deps, () => now);
    expect(calls).toEqual({ cosmos: 2, serviceBus: 2, secrets: 2 });
    expect(next.checkedAt).not.toBe(answers[0]!.checkedAt);
  });

  it('reports a failed dependency with a short reason (never its address), and caches the failure too', async () => {
    const { deps, calls } = dependencies({ notifications: false, serviceBusDown: true });
    const now = 2_000_000;
    const first = await checkReadiness(deps, () => now);
    const second = await checkReadiness(deps, () => now);
    expect(first.checks['serviceBus']).toEqual({ status: 'failed', durationMs: expect.any(Number), reason: 'unreachable' });
    expect(JSON.stringify(first)).not.toContain('secret-namespace');
    expect(second).toBe(first);
    expect(calls.serviceBus).toBe(1);
    // Notifications off: the Notify key is not a dependency.
    expect(first.checks['secrets']).toBeUndefined();
    expect(calls.secrets).toBe(0);
  });
});

describe('correlation ids', () => {
  it('echoes a plain correlation id, but never a token pasted into the header', () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${part({ alg: 'RS256' })}.${part({ sub: 'u' })}.c2ln`;
    expect(correlationIdFrom(new Headers({ 'x-correlation-id': 'ticket-4711' }))).toBe('ticket-4711');
    const replaced = correlationIdFrom(new Headers({ 'x-correlation-id': token, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }));
    expect(replaced).toBe('0af7651916cd43dd8448eb211c80319c');
  });
});
