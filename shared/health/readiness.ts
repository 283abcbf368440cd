import type { Services } from '../services.js';

export interface CheckResult {
  status: 'ok' | 'failed';
  /** How long the dependency took to answer (or to fail): its latency as the probe saw it. */
  durationMs: number;
  /** A short, secret-free reason; never an endpoint, key or stack. */
  reason?: string;
}

export interface Readiness {
  checks: Record<string, CheckResult>;
  /** When the checks ran (ISO 8601): a probe within READINESS_CACHE_MS gets the same answer. */
  checkedAt: string;
}

const CHECK_TIMEOUT_MS = 3000;

/**
 * How long one round of checks answers every probe. Readiness is probed by the platform, by API
 * Management's health checks and by anyone who finds the URL (it is anonymous); without a cache
 * each probe would cost a Cosmos read, a Service Bus link and a Key Vault read. With it, a
 * dependency sees at most one check per instance every few seconds, however many probes arrive,
 * and probes that arrive while a round runs wait for that round instead of starting another.
 */
export const READINESS_CACHE_MS = 5_000;

async function timed(check: () => Promise<void>): Promise<CheckResult> {
  const started = performance.now();
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref()),
    ]);
    return { status: 'ok', durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    const reason = error instanceof Error && error.message === 'timed out' ? 'timed out' : 'unreachable';
    return { status: 'failed', durationMs: Math.round(performance.now() - started), reason };
  }
}

export type ReadinessDeps = Pick<Services, 'database' | 'settings' | 'messaging' | 'notifyApiKey'>;

/**
 * Every dependency: the database, the token signing keys, Service Bus, and (when notifications are
 * on) the secret store holding the Notify API key (Key Vault in Azure). Each is checked with a
 * short timeout so a hung dependency makes the probe fail fast instead of hang.
 */
async function runChecks({ database, settings, messaging, notifyApiKey }: ReadinessDeps): Promise<Record<string, CheckResult>> {
  const checks: Record<string, Promise<CheckResult>> = {
    cosmos: timed(async () => {
      await database.read();
    }),
    identityProvider: timed(async () => {
      const response = await fetch(settings.auth.jwksUri, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`status ${response.status}`);
    }),
    serviceBus: timed(() => messaging.checkHealth()),
  };
  // Notifications off (no templates): the secret is never needed, so its absence is no reason to be unready.
  if (settings.notify.templates) {
    checks['secrets'] = timed(async () => {
      await notifyApiKey.read();
    });
  }
  const names = Object.keys(checks);
  const results = await Promise.all(Object.values(checks));
  return Object.fromEntries(names.map((name, index) => [name, results[index]!]));
}

interface Cached {
  at: number;
  readiness: Promise<Readiness>;
}

/** One cache per set of services (one per process in Azure; tests build several). */
const cache = new WeakMap<object, Cached>();

export async function checkReadiness(deps: ReadinessDeps, now: () => number = Date.now): Promise<Readiness> {
  const cached = cache.get(deps.database);
  if (cached && now() - cached.at < READINESS_CACHE_MS) return cached.readiness;
  const at = now();
  const readiness = runChecks(deps).then((checks) => ({ checks, checkedAt: new Date(at).toISOString() }));
  cache.set(deps.database, { at, readiness });
  return readiness;
}
