import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionsHost } from '../functions-host/index.js';
import { createAdminApi } from './admin-api.js';
import { isServiceBusTrigger, readServiceBusFunction, type ServiceBusFunction } from './bindings.js';
import { Broker } from './broker.js';
import { Dispatcher } from './dispatcher.js';
import { buildNamespace } from './entities.js';
import { deliverySettings, readExtensionSettings } from './settings.js';
import { BrokerStore } from './store.js';

/**
 * An in-process stand-in for Azure Service Bus for the local Functions host: the entities of
 * shared/config/entities.ts, persisted in the (embedded) Cosmos database, fed to the app's
 * Service Bus trigger functions with peek-lock, delivery counts, retries and dead-lettering, and
 * an HTTP admin API for sending and dead-letter handling. See README.md.
 *
 *   const broker = await startLocalBroker({ cosmos: { endpoint, key }, projectDir });
 *   const host = await startFunctionsHost({ ..., extraRoutes: (req, res) => broker.handle(req, res) });
 *   broker.attach(host);
 *   ...
 *   await broker.close(); // first: stops deliveries, waits for the ones in progress
 *   await host.close();
 *   await cosmos.close();
 */

export interface LocalBrokerOptions {
  /** Persistence: the broker's state lives in the embedded Cosmos database (so it survives a restart with it). */
  cosmos: { endpoint: string; key: string };
  log?: (line: string) => void;
  /** How often due scheduled messages, expired locks and TTLs are looked at. Default 50. */
  pollIntervalMs?: number;
  /** Where host.json is (its extensions.serviceBus settings). Default: the current directory. */
  projectDir?: string;
  /**
   * Cap on concurrent messages per function. Azure runs host.json maxConcurrentCalls (default 16)
   * per function and instance; locally one process carries every function, so default 4.
   */
  maxConcurrentCallsCap?: number;
}

export interface LocalBroker {
  /** Admin HTTP API under /admin/service-bus/...; returns true when handled. Pass to the functions host's extraRoutes. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Start dispatching to the host's Service Bus trigger functions. */
  attach(host: FunctionsHost): void;
  /**
   * Resolves when no message is active, locked or being processed in any entity (scheduled ones in
   * the future excepted) — for tests and `npm start` shutdown. "Any entity" means any entity a
   * function listens to: a subscription nobody consumes never drains. Also waits for sends being
   * stored. Rejects after `timeoutMs` (default 30 s) with every entity's stats.
   */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}


const DEFAULT_POLL_MS = 50;
const DEFAULT_CONCURRENCY_CAP = 4;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  const log = options.log ?? ((line: string) => console.log(line));
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  const extension = readExtensionSettings(options.projectDir ?? process.cwd());
  const delivery = deliverySettings();
  const namespace = buildNamespace();
  const store = await BrokerStore.open(options.cosmos);

  let dispatcher: Dispatcher | undefined;
  let broker: Broker;
  try {
    broker = await Broker.load({
      store,
      namespace,
      delivery,
      // The host renews the lock while the function runs, up to maxAutoLockRenewalDuration.
      lockHoldMs: Math.max(delivery.lockDurationMs, extension.maxAutoLockRenewalDurationMs),
      log,
      onAvailable: (entityPath) => dispatcher?.wake(entityPath),
    });
  } catch (error) {
    store.close();
    throw error;
  }
  const handle = createAdminApi(broker, namespace);

  let housekeeping: Promise<void> | undefined;
  const timer = setInterval(() => {
    housekeeping ??= broker
      .housekeep()
      .catch((error: unknown) => log(`[service-bus] Housekeeping failed: ${(error as Error).message}`))
      .finally(() => (housekeeping = undefined));
  }, pollIntervalMs);
  timer.unref();

  let closing: Promise<void> | undefined;
  return {
    handle,

    attach(host) {
      if (dispatcher) throw new Error('The local Service Bus is already attached to a host.');
      const functions: ServiceBusFunction[] = host.functions.filter(isServiceBusTrigger).map((fn) => readServiceBusFunction(fn, namespace, extension));
      const concurrency = Math.max(1, Math.min(extension.maxConcurrentCalls, options.maxConcurrentCallsCap ?? DEFAULT_CONCURRENCY_CAP));
      const attached = new Dispatcher(broker, log);
      for (const fn of functions) {
        attached.add(fn, concurrency);
        const outputs = [...fn.outputs.values()].map((entity) => entity.name);
        log(`[service-bus] ${fn.name} ← ${fn.entity.path} (up to ${concurrency} at a time)${outputs.length ? `, outputs → ${outputs.join(', ')}` : ''}`);
      }
      dispatcher = attached;
      attached.wake();
    },

    async idle(timeoutMs = DEFAULT_IDLE_TIMEOUT_MS) {
      const deadline = Date.now() + timeoutMs;
      // Two quiet looks in a row: a settle can make another message available in between.
      let quiet = 0;
      while (quiet < 2) {
        const busy = (dispatcher?.busy ?? false) || broker.hasWork(dispatcher?.entityPaths() ?? []) || housekeeping !== undefined;
        quiet = busy ? 0 : quiet + 1;
        if (quiet >= 2) break;
        if (Date.now() > deadline) {
          const stats = Object.fromEntries(namespace.receiving.map((entity) => [entity.path, broker.stats(entity.path)]));
          throw new Error(`The local Service Bus is not idle after ${timeoutMs} ms: ${JSON.stringify(stats)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(pollIntervalMs, 25)));
      }
    },

    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await dispatcher?.stop();
        await broker.close();
        await housekeeping;
        store.close();
      })();
      return closing;
    },
  };
}
