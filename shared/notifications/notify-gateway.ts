import type { SecretSource } from '../config/secret-source.js';
import { withDependency } from '../telemetry/dependencies.js';
import { asNotifyError, NotifyAuthError, NotifyError, type NotifyEmail, type NotifyPort } from './notify-port.js';

/**
 * Notify with the API key handled: the key is read once from its source (Key Vault in Azure) and
 * kept for the life of the process, with the client made from it. When Notify refuses the key
 * (401/403) the key is read again: a rotated key is then used at once, no redeploy, and the call
 * is made once more. A key refused again (or unchanged) is a NotifyAuthError, which the caller
 * reports loudly. Re-reads are spaced (minRefreshIntervalMs) so a revoked key does not turn every
 * message into a Key Vault call.
 */
export interface NotifyGatewayOptions {
  baseUrl: string;
  apiKey: SecretSource;
  /** Makes a client for a key: the official client by default (loaded on first use). */
  createClient?: (baseUrl: string, apiKey: string) => Promise<NotifyPort>;
  minRefreshIntervalMs?: number;
  now?: () => number;
}

export function notifyGateway(options: NotifyGatewayOptions): NotifyPort & { keyReads(): number } {
  const createClient = options.createClient ?? defaultClient;
  const minRefreshIntervalMs = options.minRefreshIntervalMs ?? 30_000;
  const now = options.now ?? Date.now;
  let current: Promise<{ key: string; client: NotifyPort }> | undefined;
  /** When the key was last read again because Notify refused it (the first read does not count). */
  let lastReread = Number.NEGATIVE_INFINITY;
  let reads = 0;

  const load = (): Promise<{ key: string; client: NotifyPort }> => {
    reads += 1;
    const loading = (async () => {
      const key = await options.apiKey.read();
      return { key, client: await createClient(options.baseUrl, key) };
    })();
    // A failed read is not cached: the next call tries again.
    loading.catch(() => {
      if (current === loading) current = undefined;
    });
    return loading;
  };

  const call = async <T>(operation: (client: NotifyPort) => Promise<T>): Promise<T> => {
    current ??= load();
    const used = await current;
    try {
      return await operation(used.client);
    } catch (thrown) {
      const error = asNotifyError(thrown);
      if (!(error instanceof NotifyError) || !error.isAuthFailure) throw error;
      // Read the key again, unless another call already did since this one started.
      if (current === undefined || (await current).key === used.key) {
        if (now() - lastReread < minRefreshIntervalMs) {
          throw new NotifyAuthError(`${error.message} (the key from ${options.apiKey.description} was read again ${Math.round((now() - lastReread) / 1000)} s ago)`);
        }
        lastReread = now();
        current = load();
      }
      const fresh = await current;
      if (fresh.key === used.key) throw new NotifyAuthError(`${error.message}, and ${options.apiKey.description} still holds the same key`);
      try {
        return await operation(fresh.client);
      } catch (thrown) {
        const retryError = asNotifyError(thrown);
        if (retryError instanceof NotifyError && retryError.isAuthFailure) throw new NotifyAuthError(`${retryError.message}, also with the key just read from ${options.apiKey.description}`);
        throw retryError;
      }
    }
  };

  // Each call is a dependency of the invocation (an Http span; the path only, never the reference or the address).
  const notifyCall = <T>(method: string, path: string, operation: (client: NotifyPort) => Promise<T>): Promise<T> =>
    withDependency(`${method} ${path}`, { type: 'http', method, url: `${options.baseUrl.replace(/\/+$/, '')}${path}` }, () => call(operation));
  return {
    sendEmail: (email: NotifyEmail) => notifyCall('POST', '/v2/notifications/email', (client) => client.sendEmail(email)),
    findByReference: (reference: string) => notifyCall('GET', '/v2/notifications', (client) => client.findByReference(reference)),
    keyReads: () => reads,
  };
}

async function defaultClient(baseUrl: string, apiKey: string): Promise<NotifyPort> {
  const { createNotifyClient } = await import('./notify-client.js');
  return createNotifyClient(baseUrl, apiKey);
}
