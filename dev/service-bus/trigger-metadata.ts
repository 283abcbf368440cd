import type { InvocationRequest } from '../functions-host/index.js';
import { childOf, formatTraceparent, parseTraceparent } from '../../shared/telemetry/trace-context.js';
import type { StoredMessage } from './message.js';

/**
 * What the Functions host sends a Node.js worker for one Service Bus message, so that
 * `@azure/functions` (which the local host runs unchanged) builds the same handler arguments.
 *
 * Trigger data: the extension binds the message body as a string for non-.NET workers, and the
 * library's fromRpcTypedData JSON-parses strings when it can (tryJsonParse). So a JSON body reaches
 * the handler as an object, other text as a string — whatever the contentType says — and a
 * `dataType: 'binary'` trigger gets the bytes.
 *
 * Trigger metadata: the keys the Service Bus extension (v5, ServiceBusTriggerBindingStrategy
 * .AddBindingData) puts in the binding data for a single message, converted as the host's
 * ToRpc does (strings as `string`, everything else Newtonsoft-serialized as `json`), null values
 * left out (the host skips them). The library then camel-cases every key, recursively, so the
 * handler sees `context.triggerMetadata.deliveryCount`, `.messageId`, `.applicationProperties`...
 * (and application property names with a lower-cased first letter, as in Azure).
 *
 * Left out: the .NET-only objects in the binding data (MessageReceiver, MessageSession,
 * MessageActions, SessionActions, ReceiveActions, Client), which a Node function cannot use, and
 * the session, partition and reply properties, which this broker does not support (null in Azure
 * for messages without them, so absent there too).
 */

export function triggerData(message: StoredMessage, dataType: unknown): NonNullable<InvocationRequest['triggerData']> {
  if (typeof dataType === 'string' && dataType.toLowerCase() === 'binary') return { bytes: Buffer.from(message.bodyText, 'utf8') };
  return { string: message.bodyText };
}

export function triggerMetadata(message: StoredMessage, lockToken: string): NonNullable<InvocationRequest['triggerMetadata']> {
  const enqueued = Date.parse(message.enqueuedTimeUtc);
  const expires = Date.parse(message.expiresAtUtc);
  const metadata: NonNullable<InvocationRequest['triggerMetadata']> = {
    DeliveryCount: json(message.deliveryCount),
    LockToken: { string: lockToken },
    // ExpiresAtUtc/EnqueuedTimeUtc are DateTimeOffset.DateTime in the extension: Kind Unspecified,
    // which Newtonsoft writes without a zone designator. ExpiresAt/EnqueuedTime keep "+00:00".
    ExpiresAtUtc: json(netDateTime(expires)),
    ExpiresAt: json(netDateTimeOffset(expires)),
    EnqueuedTimeUtc: json(netDateTime(enqueued)),
    EnqueuedTime: json(netDateTimeOffset(enqueued)),
    MessageId: { string: message.messageId },
    SequenceNumber: json(message.sequenceNumber),
    ApplicationProperties: json(message.applicationProperties),
    // The extension's back-compat alias for ApplicationProperties.
    UserProperties: json(message.applicationProperties),
  };
  if (message.contentType !== undefined) metadata['ContentType'] = { string: message.contentType };
  if (message.correlationId !== undefined) metadata['CorrelationId'] = { string: message.correlationId };
  if (message.subject !== undefined) {
    metadata['Subject'] = { string: message.subject };
    // The extension's back-compat alias for Subject.
    metadata['Label'] = { string: message.subject };
  }
  return metadata;
}

function json(value: unknown): { json: string } {
  return { json: JSON.stringify(value) };
}

/** Newtonsoft's ISO form of a DateTime with Kind Unspecified: fraction without trailing zeros, no zone. */
export function netDateTime(epochMs: number): string {
  const isoText = new Date(epochMs).toISOString(); // yyyy-mm-ddThh:mm:ss.fffZ
  const [seconds, fraction = ''] = isoText.slice(0, -1).split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed ? `${seconds}.${trimmed}` : (seconds ?? isoText);
}

/** Newtonsoft's ISO form of a DateTimeOffset at UTC. */
export function netDateTimeOffset(epochMs: number): string {
  return `${netDateTime(epochMs)}+00:00`;
}

/**
 * The invocation's trace context, as the Service Bus extension sets it: the processing of a message
 * is a child of the span in its `Diagnostic-Id` application property (W3C traceparent; else
 * `traceparent`), so it continues the sender's trace. Without either, the host starts a new trace.
 */
export function invocationTraceContext(message: StoredMessage): Pick<InvocationRequest, 'traceContext'> {
  const parent = parseTraceparent(message.applicationProperties['Diagnostic-Id']) ?? parseTraceparent(message.applicationProperties['traceparent']);
  return parent ? { traceContext: { traceParent: formatTraceparent(childOf(parent)), traceState: '', attributes: {} } } : {};
}
