import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SinkSpan, SpanStart, TelemetrySink } from '../../../shared/telemetry/app-insights-sdk.js';
import { tracedMessaging, DIAGNOSTIC_ID_PROPERTY, TRACEPARENT_PROPERTY } from '../../../shared/messaging/traced-messaging.js';
import { runInScope } from '../../../shared/telemetry/invocation-scope.js';
import { attachSink, expectSink } from '../../../shared/telemetry/telemetry-sink.js';
import { childOf, formatTraceparent, newTrace, parseTraceparent, sameTrace } from '../../../shared/telemetry/trace-context.js';
import { startInProcessApp, type InProcessApp } from '../../support/in-process-app.js';
import { RecordingMessaging } from '../use-cases/harness.js';

/**
 * What the pipeline sends to Application Insights, with the SDK replaced by a recording sink (this
 * test file's process only): the Cosmos metrics of each invocation against what the database
 * itself counted, the status metrics, and the trace context every Service Bus send carries.
 */

interface RecordedSpan extends SpanStart {
  traceId: string;
  spanId: string;
  outcome?: { success: boolean; resultCode?: string; attributes?: Record<string, unknown> };
}

const metrics: { name: string; value: number; properties: Record<string, string> }[] = [];
const spans: RecordedSpan[] = [];
const sink: TelemetrySink = {
  trackMetric: (metric) => metrics.push(metric),
  startSpan(start): SinkSpan {
    const parent = parseTraceparent(start.parent);
    const ids = parent ? childOf(parent) : newTrace();
    const span: RecordedSpan = { ...start, traceId: ids.traceId, spanId: ids.spanId };
    spans.push(span);
    return { traceId: ids.traceId, spanId: ids.spanId, end: (outcome) => void (span.outcome = outcome as RecordedSpan['outcome']) };
  },
};

let app: InProcessApp;
beforeAll(async () => {
  expectSink();
  attachSink(sink);
  app = await startInProcessApp();
});
afterAll(async () => app?.close());

const metricsNamed = (name: string) => metrics.filter((metric) => metric.name === name);

describe('Cosmos DB requests and charge per invocation', () => {
  it('sends cosmos.requests and cosmos.requestCharge once per invocation, with the function as operation, matching what the database counted', async () => {
    const listed = JSON.parse(String((await app.call('tasks-list', { url: '/v1/tasks?limit=1' }, 'manager')).body)).data as { id: string }[];
    const id = listed[0]!.id;
    await app.call('tasks-get', { url: `/v1/tasks/${id}`, params: { id } }, 'manager');
    metrics.length = 0;
    spans.length = 0;

    const counted = await app.count(() => app.call('tasks-get', { url: `/v1/tasks/${id}`, params: { id } }, 'manager'));
    const requests = metricsNamed('cosmos.requests');
    const charge = metricsNamed('cosmos.requestCharge');
    expect(requests).toEqual([{ name: 'cosmos.requests', value: counted.requests, properties: { operation: 'tasks-get' } }]);
    // The embedded database charges 1 RU for every request: locally the charge is the count.
    expect(charge).toEqual([{ name: 'cosmos.requestCharge', value: counted.requests, properties: { operation: 'tasks-get' } }]);
    // One dependency per SDK operation, named by what it did on which container, in the invocation's trace.
    const cosmos = spans.filter((span) => span.attributes['db.system'] === 'cosmosdb');
    expect(cosmos.map((span) => span.name)).toEqual(['read tasks']);
    expect(cosmos[0]!.attributes).toMatchObject({ 'db.operation': 'read tasks', 'ai.operation.name': 'tasks-get' });
    expect(cosmos[0]!.outcome).toMatchObject({ success: true, attributes: { requestCharge: 1 } });
  });

  it('counts a 412 and a 428 against the operation that answered them', async () => {
    const listed = JSON.parse(String((await app.call('tasks-list', { url: '/v1/tasks?limit=1&status=pending' }, 'manager')).body)).data as { id: string }[];
    const id = listed[0]!.id;
    metrics.length = 0;
    const patch = (headers: Record<string, string>) =>
      app.call('tasks-patch', { method: 'PATCH', url: `/v1/tasks/${id}`, params: { id }, headers: { 'content-type': 'application/merge-patch+json', ...headers }, body: { priority: 'low' } }, 'manager');
    expect((await patch({})).status).toBe(428);
    expect((await patch({ 'if-match': '"stale"' })).status).toBe(412);
    expect(metricsNamed('http.preconditionRequired')).toEqual([{ name: 'http.preconditionRequired', value: 1, properties: { operation: 'tasks-patch' } }]);
    expect(metricsNamed('http.staleWrite')).toEqual([{ name: 'http.staleWrite', value: 1, properties: { operation: 'tasks-patch' } }]);
    // The token was verified before and is served from the cache.
    expect(metricsNamed('auth.tokenCache').map((metric) => metric.properties['result'])).toEqual(['hit', 'hit']);
  });
});

describe('Service Bus sends carry their own span in Diagnostic-Id and traceparent', () => {
  const request = formatTraceparent(newTrace());

  it('gives each message a send span in the trace it continues: the one put on it, else the invocation\'s', async () => {
    const recording = new RecordingMessaging();
    const messaging = tracedMessaging(recording);
    const stored = formatTraceparent(newTrace());
    spans.length = 0;
    await runInScope({ operation: 'tasks-create', traceparent: request, correlationId: 'c-1' }, () =>
      messaging.send('task-events', [
        { messageId: 'continues-the-event', body: {}, applicationProperties: { [TRACEPARENT_PROPERTY]: stored } },
        { messageId: 'continues-the-invocation', body: {} },
      ]),
    );
    const [first, second] = recording.sent.map((sent) => sent.message.applicationProperties ?? {});
    for (const properties of [first!, second!]) expect(properties[DIAGNOSTIC_ID_PROPERTY]).toBe(properties[TRACEPARENT_PROPERTY]);
    expect(sameTrace(String(first![TRACEPARENT_PROPERTY]), stored)).toBe(true);
    expect(sameTrace(String(second![TRACEPARENT_PROPERTY]), request)).toBe(true);
    // Each is the send span itself: what processes the message becomes its child.
    expect(spans.map((span) => [span.name, span.kind, formatTraceparent({ traceId: span.traceId, spanId: span.spanId, flags: '01' })])).toEqual([
      ['Send task-events', 'producer', first![TRACEPARENT_PROPERTY]],
      ['Send task-events', 'producer', second![TRACEPARENT_PROPERTY]],
    ]);
    expect(spans.map((span) => span.parent)).toEqual([stored, request]);
    expect(spans.every((span) => span.outcome?.success === true && span.attributes['ai.operation.name'] === 'tasks-create')).toBe(true);
  });

  it('ends the spans as failed when the send fails', async () => {
    const recording = new RecordingMessaging();
    recording.failWith = new Error('namespace unreachable');
    spans.length = 0;
    await expect(tracedMessaging(recording).send('overdue-tasks', [{ messageId: 'm', body: {} }])).rejects.toThrow('namespace unreachable');
    expect(spans.map((span) => span.outcome?.success)).toEqual([false]);
  });
});
