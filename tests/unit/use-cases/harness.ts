import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal, Role } from '../../../shared/auth/roles.js';
import type { TokenVerifier } from '../../../shared/auth/verify-token.js';
import { parseSettings, SETTING } from '../../../shared/config/settings.js';
import type { DeadLetteredMessage, Messaging, OutgoingMessage, SendOptions } from '../../../shared/messaging/messaging.js';
import { newPublishBudget, type PublishBudget } from '../../../shared/events/publish-budget.js';
import type { CreateTaskInput } from '../../../shared/schemas/task.js';
import { createServices, type Services } from '../../../shared/services.js';
import type { WriteContext } from '../../../shared/use-cases/write-context.js';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../../../dev/cosmos/index.js';
import { seedDemoData } from '../../../dev/demo-data.js';
import { defaultDemoUser, DEMO_LOCATIONS } from '../../../dev/demo-users.js';
import { ensureLocalDatabase } from '../../../dev/local-database.js';

/**
 * Use cases run directly, without a host: the services come from the real composition root
 * (createServices) over the in-process embedded database, with two seams a test controls:
 * - messaging is a RecordingMessaging (every send kept; sends can be made to fail or hang);
 * - the clock is a TestClock.
 * Repositories are the real ones, so ETags, 409s and 412s behave as they do in Cosmos.
 */

export class RecordingMessaging implements Messaging {
  readonly sent: { entity: string; message: OutgoingMessage }[] = [];
  /** When set, every send throws this (Service Bus down). */
  failWith: Error | undefined;
  /**
   * When set, every send hangs (a namespace that never answers) until the caller's abort signal
   * fires, or for ever if it ignores signals ('ignoring-signals'). Aborted sends are counted.
   */
  hang: false | 'until-aborted' | 'ignoring-signals' = false;
  aborted = 0;

  async send(entity: string, messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<void> {
    if (this.failWith) throw this.failWith;
    if (this.hang === 'ignoring-signals') return new Promise<void>(() => {});
    if (this.hang === 'until-aborted') {
      const signal = options.abortSignal;
      return new Promise<void>((_, reject) =>
        signal?.addEventListener('abort', () => {
          this.aborted += 1;
          reject(signal.reason);
        }),
      );
    }
    for (const message of messages) this.sent.push({ entity, message });
  }

  sentTo(entity: string): OutgoingMessage[] {
    return this.sent.filter((record) => record.entity === entity).map((record) => record.message);
  }

  async peekDeadLetters(): Promise<DeadLetteredMessage[]> {
    return [];
  }

  async replayDeadLetters(): Promise<{ replayed: number; messageIds: string[] }> {
    return { replayed: 0, messageIds: [] };
  }

  async checkHealth(): Promise<void> {}

  async close(): Promise<void> {}
}

export class TestClock {
  constructor(private current: Date = new Date('2030-01-01T09:00:00.000Z')) {}

  readonly now = (): Date => new Date(this.current);

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

const unusedTokenVerifier: TokenVerifier = {
  async verify() {
    throw new Error('use cases are called with a principal; no token is verified here');
  },
};

export interface UseCaseWorld {
  services: Services;
  messaging: RecordingMessaging;
  clock: TestClock;
  close(): Promise<void>;
}

/** One embedded database per test file, seeded with the demo users, locations and tasks. */
export async function startWorld(): Promise<UseCaseWorld> {
  const dataDir = mkdtempSync(join(tmpdir(), 'caseload-use-cases-'));
  const cosmos: EmbeddedCosmos = await startEmbeddedCosmos({ dataDir, fsync: false, log: () => {} });
  const settings = parseSettings({
    [SETTING.cosmosEndpoint]: cosmos.endpoint,
    [SETTING.cosmosKey]: cosmos.key,
    [SETTING.authIssuer]: 'http://127.0.0.1/unused',
    [SETTING.authAudience]: 'api://caseload-tests',
    [SETTING.authJwksUri]: 'http://127.0.0.1/unused/jwks',
  });
  const messaging = new RecordingMessaging();
  const clock = new TestClock();
  const services = createServices(settings, { messaging, now: clock.now, tokenVerifier: unusedTokenVerifier });
  await ensureLocalDatabase(services.database);
  await seedDemoData(services.database, clock.now());
  return {
    services,
    messaging,
    clock,
    async close() {
      await cosmos.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The seeded demo user of a role as a principal, with their directory scope. */
export function principalFor(role: Role): Principal {
  const user = defaultDemoUser(role);
  return {
    userId: user.id,
    name: user.name,
    roles: [role],
    ...(role === 'admin' ? {} : { workScope: { jurisdictions: [...user.jurisdictions], locations: [...user.locations] } }),
  };
}

export function writeContext(
  principal: Principal,
  correlationId = 'test-correlation',
  publishBudget: PublishBudget = newPublishBudget(),
): WriteContext & { warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  return {
    actor: { userId: principal.userId, name: principal.name ?? null },
    correlationId,
    traceparent: undefined,
    log: { warn: (...args: unknown[]) => warnings.push(args) },
    publishBudget,
    warnings,
  };
}

let caseCounter = 0;

/** A valid new task in IA (the demo manager's and caseworker's jurisdiction), at a known location. */
export function newTaskInput(overrides: Partial<CreateTaskInput> = {}): CreateTaskInput {
  caseCounter += 1;
  return {
    caseId: `8${String(caseCounter).padStart(15, '0')}`,
    jurisdiction: 'IA',
    locationId: DEMO_LOCATIONS[0].id,
    title: `Task ${caseCounter}`,
    description: '',
    priority: 'medium',
    dueDate: '2030-02-01T09:00:00.000Z',
    assignee: null,
    ...overrides,
  } as CreateTaskInput;
}
