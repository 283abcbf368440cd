import { describe, expect, it } from 'vitest';
import type { SecretSource } from '../../../shared/config/secret-source.js';
import { notifyGateway } from '../../../shared/notifications/notify-gateway.js';
import { NotifyAuthError, NotifyError, type NotifyPort } from '../../../shared/notifications/notify-port.js';

/** The API key handling: read once and kept; read again when Notify refuses it, so a rotation needs no redeploy. */

const email = { templateId: 't', emailAddress: 'a@b.example', personalisation: {}, reference: 'r' };

function world(initialKey: string) {
  let vaultKey = initialKey;
  /** Keys Notify accepts now. */
  const valid = new Set([initialKey]);
  let now = 0;
  const source: SecretSource & { reads: number } = {
    description: 'the test vault',
    reads: 0,
    async read() {
      source.reads += 1;
      return vaultKey;
    },
  };
  const clientsMade: string[] = [];
  const createClient = async (_baseUrl: string, key: string): Promise<NotifyPort> => {
    clientsMade.push(key);
    return {
      async sendEmail() {
        if (!valid.has(key)) throw new NotifyError('Notify answered 403 AuthError: Invalid token: API key not found', 403, 'AuthError');
        return { id: `sent-with-${key}` };
      },
      async findByReference() {
        if (!valid.has(key)) throw new NotifyError('Notify answered 403', 403);
        return [];
      },
    };
  };
  const gateway = notifyGateway({ baseUrl: 'http://notify', apiKey: source, createClient, now: () => now, minRefreshIntervalMs: 30_000 });
  return {
    gateway,
    source,
    clientsMade,
    rotate(next: string) {
      valid.clear();
      valid.add(next);
      vaultKey = next;
    },
    revoke() {
      valid.clear();
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('notifyGateway', () => {
  it('reads the key once and keeps the client for every call', async () => {
    const w = world('key-1');
    await w.gateway.sendEmail(email);
    await w.gateway.sendEmail(email);
    await w.gateway.findByReference('r');
    expect(w.source.reads).toBe(1);
    expect(w.clientsMade).toEqual(['key-1']);
  });

  it('a rotated key: the 403 makes it read the key again, and the same call succeeds with the new one', async () => {
    const w = world('key-1');
    await w.gateway.sendEmail(email);
    w.rotate('key-2');
    expect(await w.gateway.sendEmail(email)).toEqual({ id: 'sent-with-key-2' });
    expect(w.source.reads).toBe(2);
    expect(await w.gateway.sendEmail(email)).toEqual({ id: 'sent-with-key-2' });
    expect(w.source.reads).toBe(2);
  });

  it('a revoked key that Key Vault still holds: a NotifyAuthError naming the source; re-reads are spaced', async () => {
    const w = world('key-1');
    await w.gateway.sendEmail(email);
    w.revoke();
    await expect(w.gateway.sendEmail(email)).rejects.toThrow(NotifyAuthError);
    await expect(w.gateway.sendEmail(email)).rejects.toThrow(/the test vault/);
    expect(w.source.reads).toBe(2);
    // Within the interval the key is not read again for every message.
    await expect(w.gateway.sendEmail(email)).rejects.toThrow(NotifyAuthError);
    expect(w.source.reads).toBe(2);
    w.advance(30_000);
    w.rotate('key-3');
    expect(await w.gateway.sendEmail(email)).toEqual({ id: 'sent-with-key-3' });
    expect(w.source.reads).toBe(3);
  });

  it('a key that cannot be read is not cached: the next call reads again', async () => {
    let fail = true;
    const source: SecretSource = {
      description: 'a flaky vault',
      async read() {
        if (fail) throw new Error('Key Vault unavailable');
        return 'key-1';
      },
    };
    const gateway = notifyGateway({ baseUrl: 'http://notify', apiKey: source, createClient: async () => ({ sendEmail: async () => ({ id: 'ok' }), findByReference: async () => [] }) });
    await expect(gateway.sendEmail(email)).rejects.toThrow('Key Vault unavailable');
    fail = false;
    expect(await gateway.sendEmail(email)).toEqual({ id: 'ok' });
  });

  it('other Notify errors pass through untouched', async () => {
    const gateway = notifyGateway({
      baseUrl: 'http://notify',
      apiKey: { description: 'v', read: async () => 'k' },
      createClient: async () => ({
        sendEmail: async () => {
          throw new NotifyError('Notify answered 429', 429);
        },
        findByReference: async () => [],
      }),
    });
    await expect(gateway.sendEmail(email)).rejects.toMatchObject({ status: 429 });
  });
});

describe('errors from the client bundle', () => {
  it('a NotifyError made by another copy of the module (the deferred bundle) becomes this one, status and all', async () => {
    class OtherNotifyError extends Error {
      override readonly name = 'NotifyError';
      constructor(
        message: string,
        readonly status: number | undefined,
        readonly errorName?: string,
        readonly retryAfterSeconds?: number,
      ) {
        super(message);
      }
    }
    const gateway = notifyGateway({
      baseUrl: 'http://notify',
      apiKey: { description: 'v', read: async () => 'k' },
      createClient: async () => ({
        sendEmail: async () => {
          throw new OtherNotifyError('Notify answered 429', 429, 'RateLimitError', 3);
        },
        findByReference: async () => [],
      }),
    });
    const error = await gateway.sendEmail(email).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({ status: 429, errorName: 'RateLimitError', retryAfterSeconds: 3, isRateLimited: true });
  });
});
