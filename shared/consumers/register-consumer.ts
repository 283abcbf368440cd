import { app, type InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { SERVICE_BUS_CONNECTION, SERVICE_BUS_DELIVERY } from '../config/entities.js';
import { PoisonMessageError } from '../errors/poison-message-error.js';
import { fieldErrorsFromZod } from '../errors/zod-field-errors.js';
import { DIAGNOSTIC_ID_PROPERTY, TRACEPARENT_PROPERTY } from '../messaging/traced-messaging.js';
import { servicesForProcess, type Services } from '../services.js';
import { endInvocationTelemetry, runInScope } from '../telemetry/invocation-scope.js';
import { installLogRedaction } from '../telemetry/log-redaction.js';
import { recordMetric } from '../telemetry/metrics.js';
import { registerSensitiveFields } from '../telemetry/redaction.js';
import { parseTraceparent, sameTrace } from '../telemetry/trace-context.js';

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
  /**
   * The span this invocation's work continues: the host's span for the invocation when it is in the
   * message's trace (the Service Bus extension parents it on the message's Diagnostic-Id), else the
   * message's own trace context, else the host's.
   */
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
  installLogRedaction();
  registerSensitiveFields(spec.message);
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
  installLogRedaction();
  app.timer(spec.name, {
    schedule: spec.schedule,
    handler: async (_timer, invocation) => {
      const correlationId = `${spec.name}:${invocation.invocationId}`;
      await runInScope({ operation: spec.name, traceparent: invocation.traceContext?.traceParent ?? undefined, correlationId }, async (scope) => {
        try {
          await spec.handler({ services: servicesForProcess(), correlationId, invocation });
        } catch (error) {
          invocation.error(`${spec.name} failed: ${describe(error)}`);
          throw error;
        } finally {
          endInvocationTelemetry(scope);
        }
      });
    },
  });
}

export async function runConsumer<M>(spec: ConsumerSpec<M>, raw: unknown, invocation: InvocationContext): Promise<void> {
  const metadata = invocation.triggerMetadata ?? {};
  const deliveryCount = Number(metadata['deliveryCount'] ?? 1);
  const messageId = String(metadata['messageId'] ?? 'unknown');
  const delivery = `message ${messageId}, delivery ${deliveryCount} of ${SERVICE_BUS_DELIVERY.maxDeliveryCount}`;
  const correlationId = stringOr(metadata['correlationId'], undefined) ?? invocation.invocationId;
  const traceparent = continuedTrace(invocation, (metadata['applicationProperties'] ?? {}) as Record<string, unknown>);
  const entity = 'queue' in spec.from ? spec.from.queue : spec.from.subscription;
  return runInScope({ operation: spec.name, traceparent, correlationId }, async (scope) => {
    try {
      const message = decode(spec.message, raw);
      await spec.handler({ services: servicesForProcess(), message, correlationId, traceparent, deliveryCount, invocation });
    } catch (error) {
      const last = deliveryCount >= SERVICE_BUS_DELIVERY.maxDeliveryCount;
      if (error instanceof PoisonMessageError) {
        // Retrying cannot help; throwing is still how it reaches the dead-letter queue (see above).
        invocation.error(`${spec.name}: poison ${delivery}: ${error.message}`);
      } else if (last) {
        invocation.error(`${spec.name}: ${delivery} failed on its last delivery and will be dead-lettered: ${describe(error)}`);
      } else {
        invocation.warn(`${spec.name}: ${delivery} failed and will be retried: ${describe(error)}`);
      }
      if (last) recordMetric('serviceBus.deadLettered', 1, { entity, reason: error instanceof PoisonMessageError ? 'poison' : 'deliveriesExhausted' });
      throw error;
    } finally {
      endInvocationTelemetry(scope);
    }
  });
}

/**
 * The trace this delivery continues (ConsumerContext.traceparent). The message's trace context is
 * its `traceparent` application property, else its `Diagnostic-Id` (the library camel-cases
 * application property names, so that one arrives as `diagnostic-Id`).
 */
function continuedTrace(invocation: InvocationContext, properties: Record<string, unknown>): string | undefined {
  const fromMessage = [properties[TRACEPARENT_PROPERTY], properties[DIAGNOSTIC_ID_PROPERTY], properties[camelCased(DIAGNOSTIC_ID_PROPERTY)]].find(
    (value): value is string => parseTraceparent(value) !== undefined,
  );
  const fromHost = invocation.traceContext?.traceParent ?? undefined;
  if (fromMessage === undefined || sameTrace(fromHost, fromMessage)) return fromHost ?? fromMessage;
  return fromMessage;
}

const camelCased = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

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
