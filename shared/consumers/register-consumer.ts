import { app, type InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { SERVICE_BUS_CONNECTION, SERVICE_BUS_DELIVERY } from '../config/entities.js';
import { PoisonMessageError } from '../errors/poison-message-error.js';
import { fieldErrorsFromZod } from '../errors/zod-field-errors.js';
import { servicesForProcess, type Services } from '../services.js';

/**
 * The one registration for every function that is not HTTP: Service Bus queue and topic
 * triggers, and timers. It does for them what registerEndpoint() does for HTTP: resolves the
 * services once, decodes and validates the message against its schema, works out the correlation
 * id and trace context, logs failures in one structured form, and decides between retry and
 * dead-letter. Function files declare what they consume and hand the message to a use case.
 *
 * Retry or dead-letter: the Functions Service Bus trigger settles messages itself (autoComplete),
 * so the only way to fail a message is to throw, which abandons it; Service Bus dead-letters it
 * after maxDeliveryCount deliveries (MaxDeliveryCountExceeded). A message that can never succeed
 * (undecodable, invalid, tampered) is a PoisonMessageError: it is logged once per delivery as an
 * error naming the reason, and still thrown, so it reaches the dead-letter queue where operators
 * list and replay it (/v1/admin/dead-letters). Anything else is transient and thrown for retry.
 */

/** What a consumer's handler is given. */
export interface ConsumerContext<M> {
  services: Services;
  message: M;
  /** The message's correlation id (the request that caused it), else this invocation's id. */
  correlationId: string;
  /** W3C traceparent to continue: the message's, else the invocation's. */
  traceparent: string | undefined;
  /** 1 on the first delivery; the last is SERVICE_BUS_DELIVERY.maxDeliveryCount. */
  deliveryCount: number;
  invocation: InvocationContext;
}

/** What a timer's handler is given. */
export interface TimerContext {
  services: Services;
  /** `<function>:<invocation id>`, recorded on everything the run causes. */
  correlationId: string;
  invocation: InvocationContext;
}

type QueueSource = { queue: string };
type TopicSource = { topic: string; subscription: string };

export interface ConsumerSpec<M> {
  name: string;
  from: QueueSource | TopicSource;
  message: z.ZodType<M, unknown>;
  handler: (context: ConsumerContext<M>) => Promise<void>;
}

export function registerConsumer<M>(spec: ConsumerSpec<M>): void {
  const handler = (raw: unknown, invocation: InvocationContext) => runConsumer(spec, raw, invocation);
  if ('queue' in spec.from) {
    app.serviceBusQueue(spec.name, { connection: SERVICE_BUS_CONNECTION, queueName: spec.from.queue, handler });
  } else {
    app.serviceBusTopic(spec.name, { connection: SERVICE_BUS_CONNECTION, topicName: spec.from.topic, subscriptionName: spec.from.subscription, handler });
  }
}

export interface TimerSpec {
  name: string;
  /** NCrontab, or `%SETTING%` for a schedule from the app settings. */
  schedule: string;
  handler: (context: TimerContext) => Promise<void>;
}

export function registerTimer(spec: TimerSpec): void {
  app.timer(spec.name, {
    schedule: spec.schedule,
    handler: async (_timer, invocation) => {
      try {
        await spec.handler({ services: servicesForProcess(), correlationId: `${spec.name}:${invocation.invocationId}`, invocation });
      } catch (error) {
        invocation.error(`${spec.name} failed: ${describe(error)}`);
        throw error;
      }
    },
  });
}

export async function runConsumer<M>(spec: ConsumerSpec<M>, raw: unknown, invocation: InvocationContext): Promise<void> {
  const metadata = invocation.triggerMetadata ?? {};
  const deliveryCount = Number(metadata['deliveryCount'] ?? 1);
  const messageId = String(metadata['messageId'] ?? 'unknown');
  const delivery = `message ${messageId}, delivery ${deliveryCount} of ${SERVICE_BUS_DELIVERY.maxDeliveryCount}`;
  try {
    const message = decode(spec.message, raw);
    const properties = (metadata['applicationProperties'] ?? {}) as Record<string, unknown>;
    await spec.handler({
      services: servicesForProcess(),
      message,
      correlationId: stringOr(metadata['correlationId'], undefined) ?? invocation.invocationId,
      traceparent: stringOr(properties['traceparent'] ?? properties['Diagnostic-Id'], invocation.traceContext?.traceParent ?? undefined),
      deliveryCount,
      invocation,
    });
  } catch (error) {
    if (error instanceof PoisonMessageError) {
      // Retrying cannot help; throwing is still how it reaches the dead-letter queue (see above).
      invocation.error(`${spec.name}: poison ${delivery}: ${error.message}`);
    } else if (deliveryCount >= SERVICE_BUS_DELIVERY.maxDeliveryCount) {
      invocation.error(`${spec.name}: ${delivery} failed on its last delivery and will be dead-lettered: ${describe(error)}`);
    } else {
      invocation.warn(`${spec.name}: ${delivery} failed and will be retried: ${describe(error)}`);
    }
    throw error;
  }
}

/** The trigger hands over the body as a string or as parsed JSON, depending on its content type. */
function decode<M>(schema: z.ZodType<M, unknown>, raw: unknown): M {
  let body: unknown = raw;
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw);
    } catch {
      throw new PoisonMessageError('the body is not JSON');
    }
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const fields = fieldErrorsFromZod(parsed.error, 'body', body).slice(0, 5);
  throw new PoisonMessageError(`the body does not match its schema: ${fields.map((field) => `${field.field} ${field.message}`).join('; ')}`);
}

const stringOr = (value: unknown, fallback: string | undefined): string | undefined => (typeof value === 'string' && value !== '' ? value : fallback);
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
