import { randomUUID } from 'node:crypto';
import type { InvocationOutput } from '../functions-host/index.js';
import type { SendingEntity } from './entities.js';
import type { OutgoingMessage } from './message.js';

/**
 * Turns a function's Service Bus output values into messages, as the Functions host and the
 * Service Bus extension do for a Node.js function: an array means one message per element; a
 * string is sent as that text (text/plain); bytes as they are; anything else as its JSON text
 * (application/json). Each message gets a fresh messageId: the output binding sets none itself,
 * so two runs never look like duplicates of each other.
 */

export interface OutputBatch {
  entity: SendingEntity;
  messages: OutgoingMessage[];
}

export function outputBatches(outputs: InvocationOutput[], targets: Map<string, SendingEntity>): OutputBatch[] {
  const batches: OutputBatch[] = [];
  for (const output of outputs) {
    const entity = targets.get(output.name);
    if (!entity || output.value === undefined || output.value === null) continue;
    const values = Array.isArray(output.value) ? output.value : [output.value];
    const messages = values.filter((value) => value !== undefined && value !== null).map(toMessage);
    if (messages.length > 0) batches.push({ entity, messages });
  }
  return batches;
}

function toMessage(value: unknown): OutgoingMessage {
  const message: OutgoingMessage = { messageId: randomUUID().replaceAll('-', ''), bodyText: '', applicationProperties: {} };
  if (typeof value === 'string') {
    message.bodyText = value;
    message.contentType = 'text/plain';
  } else if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    message.bodyText = Buffer.from(value).toString('utf8');
  } else {
    message.bodyText = JSON.stringify(value);
    message.contentType = 'application/json';
  }
  return message;
}
