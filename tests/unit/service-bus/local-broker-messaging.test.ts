import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../../shared/messaging/messaging.js';
import { sendBatches } from '../../../dev/service-bus/local-broker-messaging.js';
import { MAX_BATCH_MESSAGES, MAX_MESSAGE_BYTES } from '../../../dev/service-bus/validate.js';

const message = (index: number, bodyBytes: number): OutgoingMessage => ({
  messageId: `m-${index}`,
  body: { text: 'x'.repeat(bodyBytes) },
  subject: 'task.updated',
  applicationProperties: { sequence: index },
});

describe('the local broker adapter splits a send into batches the broker accepts', () => {
  it('by count: 250 small messages go as 100, 100, 50, in order', () => {
    const batches = sendBatches(Array.from({ length: 250 }, (_, index) => message(index, 10)));
    expect(batches.map((batch) => batch.length)).toEqual([MAX_BATCH_MESSAGES, MAX_BATCH_MESSAGES, 50]);
    expect(batches.flat().map((wire) => wire.messageId)).toEqual(Array.from({ length: 250 }, (_, index) => `m-${index}`));
  });

  it('by size: 200 events of 6 KB (a task at the outbox limit with long descriptions) never exceed 256 KB a send', () => {
    const batches = sendBatches(Array.from({ length: 200 }, (_, index) => message(index, 6_000)));
    expect(batches.length).toBeGreaterThan(4);
    for (const batch of batches) expect(batch.reduce((sum, wire) => sum + JSON.stringify(wire.body).length, 0)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(batches.flat()).toHaveLength(200);
  });

  it('sends nothing for nothing', () => {
    expect(sendBatches([])).toEqual([]);
  });
});
