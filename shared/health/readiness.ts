import type { Services } from '../services.js';

export interface CheckResult {
  status: 'ok' | 'failed';
  durationMs: number;
  /** A short, secret-free reason; never an endpoint, key or stack. */
  reason?: string;
}

const CHECK_TIMEOUT_MS = 3000;

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

/**
 * Every dependency: the database, the token signing keys and Service Bus. Each is checked with a
 * short timeout so a hung dependency makes the probe fail fast instead of hang.
 */
export async function checkReadiness({ database, settings, messaging }: Pick<Services, 'database' | 'settings' | 'messaging'>): Promise<Record<string, CheckResult>> {
  const [cosmos, identityProvider, serviceBus] = await Promise.all([
    timed(async () => {
      await database.read();
    }),
    timed(async () => {
      const response = await fetch(settings.auth.jwksUri, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`status ${response.status}`);
    }),
    timed(() => messaging.checkHealth()),
  ]);
  return { cosmos, identityProvider, serviceBus };
}
