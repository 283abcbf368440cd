import { randomUUID } from 'node:crypto';
import { invokeFunction, type InvocationResult } from '../functions-host/index.js';
import type { ServiceBusFunction } from './bindings.js';
import type { Broker, Received } from './broker.js';
import { outputBatches } from './outputs.js';
import { invocationTraceContext, triggerData, triggerMetadata } from './trigger-metadata.js';

/**
 * The Service Bus extension's message pump, one per trigger function: receive (peek-lock), invoke
 * the function through the local host, then settle: complete on success, abandon on failure (the
 * broker dead-letters when no delivery is left). Up to `concurrency` messages per function at a
 * time, as `maxConcurrentCalls` does.
 *
 * A function's Service Bus outputs are sent after it succeeded and before its message is
 * completed; if sending them fails the invocation counts as failed, as a failed output flush
 * does in Azure. Outputs of a failed invocation are never sent.
 */

export interface Consumer {
  fn: ServiceBusFunction;
  concurrency: number;
  running: number;
  /** A receive is in progress (receives are one at a time per consumer, like one link). */
  receiving: boolean;
  /** A wake-up came while receiving: look again before resting. */
  wanted: boolean;
  /** Set when a receive failed (storage error): wait for the next tick instead of spinning. */
  backoffUntil: number;
}

const BACKOFF_MS = 1000;

export class Dispatcher {
  private readonly consumers: Consumer[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly pumps = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly broker: Broker,
    private readonly log: (line: string) => void,
  ) {}

  add(fn: ServiceBusFunction, concurrency: number): void {
    this.consumers.push({ fn, concurrency, running: 0, receiving: false, wanted: false, backoffUntil: 0 });
  }

  /** Entities someone listens to: the ones idle() waits on. */
  entityPaths(): Set<string> {
    return new Set(this.consumers.map((consumer) => consumer.fn.entity.path));
  }

  get busy(): boolean {
    return this.inFlight.size > 0 || this.pumps.size > 0;
  }

  /** Fills free slots of every consumer of `entityPath` (all consumers when omitted). */
  wake(entityPath?: string): void {
    if (this.stopped) return;
    for (const consumer of this.consumers) {
      if (entityPath !== undefined && consumer.fn.entity.path !== entityPath) continue;
      if (consumer.receiving) {
        consumer.wanted = true;
        continue;
      }
      const pump = this.pump(consumer).finally(() => this.pumps.delete(pump));
      this.pumps.add(pump);
    }
  }

  private async pump(consumer: Consumer): Promise<void> {
    if (Date.now() < consumer.backoffUntil) return;
    consumer.receiving = true;
    try {
      consumer.wanted = true;
      while (consumer.wanted && !this.stopped && consumer.running < consumer.concurrency) {
        consumer.wanted = false;
        let received: Received | undefined;
        try {
          received = await this.broker.receive(consumer.fn.entity.path);
        } catch (error) {
          consumer.backoffUntil = Date.now() + BACKOFF_MS;
          this.log(`[service-bus] Receiving from '${consumer.fn.entity.path}' failed: ${(error as Error).message}`);
          return;
        }
        if (!received) continue; // nothing now, unless a wake-up came meanwhile
        consumer.wanted = true;
        consumer.running += 1;
        const processing = this.process(consumer, received).finally(() => {
          consumer.running -= 1;
          this.inFlight.delete(processing);
          this.wake(consumer.fn.entity.path);
        });
        this.inFlight.add(processing);
      }
    } finally {
      consumer.receiving = false;
    }
  }

  private async process(consumer: Consumer, received: Received): Promise<void> {
    const { fn } = consumer;
    const { message } = received;
    let result: InvocationResult | undefined;
    let failure: unknown;
    try {
      result = await invokeFunction(fn.name, {
        triggerData: triggerData(message, fn.dataType),
        triggerMetadata: triggerMetadata(message, received.lockToken),
        ...invocationTraceContext(message),
        invocationId: randomUUID(),
        reason: `New ServiceBus message detected on '${received.entity}'.`,
        summary: `message ${message.messageId} on ${received.entity} (delivery ${message.deliveryCount})`,
        ...(message.correlationId ? { correlationId: message.correlationId } : {}),
      });
    } catch (error) {
      failure = error; // the host has logged it ("Executed ... (Failed ...)")
    }
    if (result) {
      try {
        for (const batch of outputBatches(result.outputs, fn.outputs)) {
          for (let start = 0; start < batch.messages.length; start += 100) {
            await this.broker.send(batch.entity, batch.messages.slice(start, start + 100));
          }
        }
      } catch (error) {
        failure = error;
        this.log(`[service-bus] Function '${fn.name}' succeeded but sending its Service Bus output failed: ${(error as Error).message}`);
      }
    }
    try {
      if (failure === undefined) await this.broker.complete(received);
      else await this.broker.abandon(received);
    } catch (error) {
      this.log(`[service-bus] Settling message ${message.messageId} on '${received.entity}' failed (it will be delivered again): ${(error as Error).message}`);
    }
  }

  /** Stops receiving; resolves when every message being processed has been settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.inFlight.size > 0 || this.pumps.size > 0) await Promise.allSettled([...this.inFlight, ...this.pumps]);
  }
}
