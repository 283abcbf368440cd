import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyValue } from '../../../dev/service-bus/message.js';
import { parseTimeSpan, readExtensionSettings } from '../../../dev/service-bus/settings.js';
import { invocationTraceContext, netDateTime, netDateTimeOffset, triggerData, triggerMetadata } from '../../../dev/service-bus/trigger-metadata.js';
import { parseSendRequest, ValidationError } from '../../../dev/service-bus/validate.js';
import type { StoredMessage } from '../../../dev/service-bus/message.js';

/** The broker's pure pieces: request parsing, host.json settings, the host's value formats. */

describe('parseSendRequest', () => {
  it('stores a JSON body as its JSON text and keeps the optional fields', () => {
    const [message] = parseSendRequest({
      messages: [
        {
          messageId: 'm1',
          body: { a: 1 },
          contentType: 'application/json',
          correlationId: 'c',
          subject: 's',
          applicationProperties: { n: 1, b: false, t: 'x' },
          scheduledEnqueueTimeUtc: '2030-01-01T10:00:00+01:00',
          timeToLive: 5000,
        },
      ],
    });
    expect(message).toEqual({
      messageId: 'm1',
      bodyText: '{"a":1}',
      contentType: 'application/json',
      correlationId: 'c',
      subject: 's',
      applicationProperties: { n: 1, b: false, t: 'x' },
      scheduledEnqueueTime: Date.parse('2030-01-01T09:00:00Z'),
      timeToLiveMs: 5000,
    });
  });

  it('accepts null as a body and leaves absent optional fields out', () => {
    expect(parseSendRequest({ messages: [{ messageId: 'm', body: null, subject: null }] })).toEqual([
      { messageId: 'm', bodyText: 'null', applicationProperties: {} },
    ]);
  });

  it('refuses a batch whose total size is over the limit though each message is under it', () => {
    const big = 'x'.repeat(100 * 1024);
    const messages = [1, 2, 3].map((n) => ({ messageId: `m${n}`, body: big }));
    expect(() => parseSendRequest({ messages })).toThrow(ValidationError);
    expect(() => parseSendRequest({ messages })).toThrow(/^messages: the batch is about/);
  });

  it('refuses negative or non-numeric time to live', () => {
    expect(() => parseSendRequest({ messages: [{ messageId: 'm', body: 1, timeToLive: -1 }] })).toThrow(/timeToLive/);
    expect(() => parseSendRequest({ messages: [{ messageId: 'm', body: 1, timeToLive: '1s' }] })).toThrow(/timeToLive/);
  });
});

describe('host value formats', () => {
  it('writes DateTime values as Newtonsoft does: no zone, fraction without trailing zeros', () => {
    expect(netDateTime(Date.parse('2025-03-04T05:06:07.120Z'))).toBe('2025-03-04T05:06:07.12');
    expect(netDateTime(Date.parse('2025-03-04T05:06:07.000Z'))).toBe('2025-03-04T05:06:07');
    expect(netDateTimeOffset(Date.parse('2025-03-04T05:06:07.001Z'))).toBe('2025-03-04T05:06:07.001+00:00');
  });

  const message: StoredMessage = {
    id: '7',
    entity: 'q',
    sequenceNumber: 7,
    messageId: 'm',
    bodyText: '{"x":1}',
    applicationProperties: { Kind: 'k' },
    enqueuedTimeUtc: '2025-01-01T00:00:00.000Z',
    expiresAtUtc: '2025-01-15T00:00:00.000Z',
    deliveryCount: 3,
    state: 'active',
  };

  it('sends the body as a string (the library JSON-parses it), or as bytes for dataType binary', () => {
    expect(triggerData(message, undefined)).toEqual({ string: '{"x":1}' });
    expect(triggerData(message, 'binary')).toEqual({ bytes: Buffer.from('{"x":1}') });
  });

  it('sends numbers and objects as JSON, strings as strings, and leaves unset properties out', () => {
    const metadata = triggerMetadata(message, 'lock');
    expect(metadata['DeliveryCount']).toEqual({ json: '3' });
    expect(metadata['SequenceNumber']).toEqual({ json: '7' });
    expect(metadata['MessageId']).toEqual({ string: 'm' });
    expect(metadata['ApplicationProperties']).toEqual({ json: '{"Kind":"k"}' });
    expect(metadata['EnqueuedTimeUtc']).toEqual({ json: '"2025-01-01T00:00:00"' });
    expect(Object.keys(metadata)).not.toContain('ContentType');
    expect(Object.keys(metadata)).not.toContain('Subject');
  });

  it('hands the invocation a span of its own, a child of the message\'s Diagnostic-Id (else traceparent), as the Service Bus extension does', () => {
    const sendSpan = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    for (const properties of [{ 'Diagnostic-Id': sendSpan }, { traceparent: sendSpan }]) {
      const traceParent = invocationTraceContext({ ...message, applicationProperties: properties }).traceContext?.traceParent ?? '';
      expect(traceParent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[\da-f]{16}-01$/);
      expect(traceParent).not.toBe(sendSpan);
    }
    expect(invocationTraceContext(message)).toEqual({});
    expect(invocationTraceContext({ ...message, applicationProperties: { 'Diagnostic-Id': 'not-a-traceparent' } })).toEqual({});
  });

  it('answers API bodies as JSON when the stored text is JSON, else as the text', () => {
    expect(bodyValue('{"a":[1]}')).toEqual({ a: [1] });
    expect(bodyValue('plain')).toBe('plain');
  });
});

describe('host.json settings', () => {
  it('parses TimeSpan values', () => {
    expect(parseTimeSpan('00:05:00', 'x')).toBe(300_000);
    expect(parseTimeSpan('1.02:00:00.5', 'x')).toBe(26 * 3600_000 + 500);
    expect(() => parseTimeSpan('5 minutes', 'maxAutoLockRenewalDuration')).toThrow(/maxAutoLockRenewalDuration/);
  });

  it('reads extensions.serviceBus, with the extension defaults for what is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-settings-'));
    try {
      expect(readExtensionSettings(dir)).toEqual({ maxConcurrentCalls: 16, autoCompleteMessages: true, maxAutoLockRenewalDurationMs: 300_000 });
      writeFileSync(join(dir, 'host.json'), JSON.stringify({ extensions: { serviceBus: { maxConcurrentCalls: 2, maxAutoLockRenewalDuration: '00:00:30' } } }));
      expect(readExtensionSettings(dir)).toEqual({ maxConcurrentCalls: 2, autoCompleteMessages: true, maxAutoLockRenewalDurationMs: 30_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
