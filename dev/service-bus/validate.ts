import type { ApplicationProperties, OutgoingMessage } from './message.js';

/**
 * Checks a send request (`{ "messages": [...] }`) the way Service Bus would refuse it, naming the
 * offending field. Limits are those of the Standard tier: 256 KB per message and per batch, 128
 * characters for ids.
 */

export const MAX_BATCH_MESSAGES = 100;
export const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_ID_LENGTH = 128;
const KNOWN_FIELDS = new Set([
  'messageId',
  'body',
  'contentType',
  'correlationId',
  'subject',
  'applicationProperties',
  'scheduledEnqueueTimeUtc',
  'timeToLive',
]);
/** An explicit offset (Z or ±hh:mm) is required: a local time would depend on the machine. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

export class ValidationError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'ValidationError';
  }
}

export function parseSendRequest(input: unknown): OutgoingMessage[] {
  if (!isObject(input)) throw new ValidationError('body', 'must be a JSON object { "messages": [...] }');
  const messages = input['messages'];
  if (!Array.isArray(messages)) throw new ValidationError('messages', 'is required and must be an array');
  if (messages.length < 1 || messages.length > MAX_BATCH_MESSAGES) {
    throw new ValidationError('messages', `must hold 1 to ${MAX_BATCH_MESSAGES} messages (got ${messages.length})`);
  }
  const parsed = messages.map((message, index) => parseMessage(message, `messages[${index}]`));
  const batchBytes = parsed.reduce((sum, message) => sum + approximateSize(message), 0);
  if (batchBytes > MAX_MESSAGE_BYTES) {
    throw new ValidationError('messages', `the batch is about ${batchBytes} bytes; Service Bus (Standard) accepts at most ${MAX_MESSAGE_BYTES} bytes per send`);
  }
  return parsed;
}

export function parseMessage(input: unknown, path: string): OutgoingMessage {
  if (!isObject(input)) throw new ValidationError(path, 'must be an object');
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key)) {
      throw new ValidationError(`${path}.${key}`, `is not supported (known fields: ${[...KNOWN_FIELDS].join(', ')})`);
    }
  }
  const messageId = input['messageId'];
  if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > MAX_ID_LENGTH) {
    throw new ValidationError(`${path}.messageId`, `is required: a string of 1 to ${MAX_ID_LENGTH} characters`);
  }
  if (!('body' in input) || input['body'] === undefined) throw new ValidationError(`${path}.body`, 'is required (any JSON value)');

  const message: OutgoingMessage = {
    messageId,
    bodyText: JSON.stringify(input['body']),
    applicationProperties: parseProperties(input['applicationProperties'], `${path}.applicationProperties`),
  };
  const contentType = optionalString(input, 'contentType', path, 256);
  if (contentType !== undefined) message.contentType = contentType;
  const correlationId = optionalString(input, 'correlationId', path, MAX_ID_LENGTH);
  if (correlationId !== undefined) message.correlationId = correlationId;
  const subject = optionalString(input, 'subject', path, 1024);
  if (subject !== undefined) message.subject = subject;

  const scheduled = input['scheduledEnqueueTimeUtc'];
  if (scheduled !== undefined && scheduled !== null) {
    const time = typeof scheduled === 'string' && ISO_UTC.test(scheduled) ? Date.parse(scheduled) : Number.NaN;
    if (Number.isNaN(time)) {
      throw new ValidationError(`${path}.scheduledEnqueueTimeUtc`, 'must be an ISO-8601 time with Z or an offset, e.g. 2025-01-31T09:00:00Z');
    }
    message.scheduledEnqueueTime = time;
  }
  const ttl = input['timeToLive'];
  if (ttl !== undefined && ttl !== null) {
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
      throw new ValidationError(`${path}.timeToLive`, 'must be a positive number of milliseconds');
    }
    message.timeToLiveMs = ttl;
  }
  if (approximateSize(message) > MAX_MESSAGE_BYTES) {
    throw new ValidationError(path, `is larger than ${MAX_MESSAGE_BYTES} bytes, the Service Bus (Standard) message size limit`);
  }
  return message;
}

function parseProperties(input: unknown, path: string): ApplicationProperties {
  if (input === undefined || input === null) return {};
  if (!isObject(input)) throw new ValidationError(path, 'must be an object of string, number or boolean values');
  const properties: ApplicationProperties = {};
  for (const [key, value] of Object.entries(input)) {
    const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) throw new ValidationError(`${path}.${key}`, 'must be a string, a finite number or a boolean (no objects, arrays or null)');
    properties[key] = value;
  }
  return properties;
}

function optionalString(input: Record<string, unknown>, key: string, path: string, maxLength: number): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new ValidationError(`${path}.${key}`, `must be a string of at most ${maxLength} characters`);
  }
  return value;
}

/** Body plus properties: close enough to the AMQP size for the limit to bite where Azure's would. */
export function approximateSize(message: OutgoingMessage): number {
  return (
    Buffer.byteLength(message.bodyText) +
    Buffer.byteLength(JSON.stringify(message.applicationProperties)) +
    Buffer.byteLength(message.messageId) +
    Buffer.byteLength(message.correlationId ?? '') +
    Buffer.byteLength(message.subject ?? '') +
    Buffer.byteLength(message.contentType ?? '')
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
