import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Principal } from '../../../shared/auth/roles.js';
import type { TokenVerifier } from '../../../shared/auth/verify-token.js';
import { subscriptionAccepts, TOPICS } from '../../../shared/config/entities.js';
import { parseSettings, SETTING } from '../../../shared/config/settings.js';
import type { StoredTask } from '../../../shared/domain/task-document.js';
import type { OutgoingMessage } from '../../../shared/messaging/messaging.js';
import { taskEventSchema, type TaskEvent } from '../../../shared/schemas/event.js';
import type { CreateTaskInput } from '../../../shared/schemas/task.js';
import { createServices, type Services } from '../../../shared/services.js';
import { countTaskEvent } from '../../../shared/use-cases/count-task-event.js';
import { createTask } from '../../../shared/use-cases/create-task.js';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../../../dev/cosmos/index.js';
import { seedDemoData } from '../../../dev/demo-data.js';
import { ensureLocalDatabase } from '../../../dev/local-database.js';
import { RecordingMessaging } from '../../support/recording-messaging.js';
import { manager, newTaskInput, writeContext } from './fixtures.js';

export { RecordingMessaging };

/**
 * Use cases run directly, without a host: the services come from the real composition root
 * (createServices) over the in-process embedded database, with two seams a test controls:
 * - messaging is a RecordingMessaging (every send kept; sends can be made to fail or hang);
 * - the clock is a TestClock.
 * Repositories are the real ones, so ETags, 409s and 412s behave as they do in Cosmos.
 * Helpers that read or write the world take it as their first parameter; test data and doubles
 * that need no world are in fixtures.ts.
 */

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

/**
 * One embedded database per test file, seeded with the demo users, locations and tasks. `settings`:
 * more app settings (e.g. Azurite's Blob service, which a test file starts itself).
 */
export async function startWorld(options: { settings?: Record<string, string> } = {}): Promise<UseCaseWorld> {
  const dataDir = mkdtempSync(join(tmpdir(), 'caseload-use-cases-'));
  const cosmos: EmbeddedCosmos = await startEmbeddedCosmos({ dataDir, fsync: false, log: () => {} });
  const settings = parseSettings({
    [SETTING.cosmosEndpoint]: cosmos.endpoint,
    [SETTING.cosmosKey]: cosmos.key,
    [SETTING.authIssuer]: 'http://127.0.0.1/unused',
    [SETTING.authAudience]: 'api://caseload-tests',
    [SETTING.authJwksUri]: 'http://127.0.0.1/unused/jwks',
    [SETTING.cursorKeys]: randomBytes(32).toString('base64'),
    ...options.settings,
  });
  const messaging = new RecordingMessaging();
  const clock = new TestClock();
  const services = createServices(settings, { messaging, now: clock.now, tokenVerifier: unusedTokenVerifier });
  await ensureLocalDatabase(services.database);
  await seedDemoData(services.database, clock.now());
  // Every task event is counted as it is published (the counters subscription, delivered at once).
  messaging.deliver = async (entity, message) => {
    if (entity === TOPICS.taskEvents.name && subscriptionAccepts(TOPICS.taskEvents.subscriptions.counters, message.applicationProperties))
      await countTaskEvent(services, taskEventSchema.parse(message.body) as TaskEvent);
  };
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

/**
 * The world of one test file: started (then `prepare`d, e.g. with extra directory entries) before
 * its tests, closed after them. What it returns stands for that world from the first test on.
 */
export function useWorld(prepare?: (world: UseCaseWorld) => Promise<void>): UseCaseWorld {
  let started: UseCaseWorld | undefined;
  beforeAll(async () => {
    started = await startWorld();
    await prepare?.(started);
  });
  afterAll(async () => started?.close());
  const current = (): UseCaseWorld => {
    if (!started) throw new Error('the world starts in beforeAll; use it from a hook or a test');
    return started;
  };
  return {
    get services() {
      return current().services;
    },
    get messaging() {
      return current().messaging;
    },
    get clock() {
      return current().clock;
    },
    close: () => current().close(),
  };
}

/** A task created through createTask by `by` (the demo manager unless told), from newTaskInput with `overrides`. */
export function newTask(world: UseCaseWorld, by: Principal = manager, overrides: Partial<CreateTaskInput> = {}): Promise<StoredTask> {
  return createTask(world.services, by, newTaskInput(overrides), writeContext(by));
}

/** A task as the database holds it now, for a task the test knows exists. */
export async function storedTask(world: UseCaseWorld, id: string): Promise<StoredTask> {
  return (await world.services.tasks.get(id))!;
}

/** The messages published to the task-events topic for one task, in the order they were sent. */
export function publishedFor(world: UseCaseWorld, taskId: string): OutgoingMessage[] {
  return world.messaging.sentTo(TOPICS.taskEvents.name).filter((message) => message.applicationProperties?.taskId === taskId);
}

/** The task events published for one task, in the order they were sent, parsed as a subscriber would. */
export function eventsFor(world: UseCaseWorld, taskId: string): TaskEvent[] {
  return publishedFor(world, taskId).map((message) => taskEventSchema.parse(message.body) as TaskEvent);
}
