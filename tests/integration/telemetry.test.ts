import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINERS } from '../../shared/config/entities.js';
import { ensureLocalDatabase } from '../../dev/local-database.js';
import { freePort } from '../../dev/free-port.js';
import { createTask, taskBody } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';
import { localDatabase } from '../support/local-database.js';

/**
 * Telemetry from the deployment package, when it is switched on: the local host runs dist/app with
 * an Application Insights connection string pointing at a local ingestion endpoint speaking the
 * Breeze protocol (HTTPS with a throw-away certificate the child process is told to trust; the
 * exporter only speaks HTTPS). What arrives there is what Application Insights would receive.
 *
 * Locally nothing plays the Functions host's part in Application Insights (it records requests and
 * the invocation logs in Azure), so what arrives is what the app sends itself: custom metrics, its
 * dependencies (Service Bus sends, Cosmos DB operations, Notify calls) in each invocation's trace,
 * and exceptions. The local host does play the host's part in propagation: an invocation's trace
 * context continues the caller's traceparent, or the message's Diagnostic-Id.
 */

interface Envelope {
  name: string;
  tags?: Record<string, string>;
  data?: {
    baseType?: string;
    baseData?: {
      name?: string;
      id?: string;
      type?: string;
      properties?: Record<string, string>;
      metrics?: { name: string; value: number; count?: number }[];
      exceptions?: { message: string }[];
    };
  };
}

let certDir: string;
let ingestion: Server;
let host: LocalHost;
let cosmosPort: number;
const received: Envelope[] = [];
const receivedText: string[] = [];
let exportRequests = 0;

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'caseload-ingest-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  ingestion = createServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString();
      exportRequests += 1;
      receivedText.push(text);
      const parsed = JSON.parse(text) as Envelope | Envelope[];
      received.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
    });
  });
  await new Promise<void>((listening) => ingestion.listen(0, '127.0.0.1', listening));
  const { port } = ingestion.address() as AddressInfo;
  cosmosPort = await freePort();
  host = await startLocalHost({
    env: {
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:${port}/;LiveEndpoint=https://127.0.0.1:${port}/`,
      NODE_EXTRA_CA_CERTS: join(certDir, 'cert.pem'),
      // Export metrics every second and spans every half second instead of every minute and 5 s, so the test is short.
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      OTEL_BLRP_SCHEDULE_DELAY: '500',
      // The SDK also reports its own usage to Microsoft's statsbeat endpoint; tests talk to loopback only.
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
      // The test reaches the database directly to make the audit writer fail.
      CASELOAD_COSMOS_PORT: String(cosmosPort),
    },
  });
  await host.brokerIdle();
});

afterAll(async () => {
  await host?.dispose();
  ingestion?.close();
  rmSync(certDir, { recursive: true, force: true });
});

const metricNames = () => received.flatMap((item) => item.data?.baseData?.metrics?.map((metric) => metric.name) ?? []);
const metricValues = (name: string) => received.flatMap((item) => (item.data?.baseData?.metrics ?? []).filter((metric) => metric.name === name).map((metric) => ({ value: metric.value, properties: item.data?.baseData?.properties ?? {} })));
const dependencies = () => received.filter((item) => item.data?.baseType === 'RemoteDependencyData');

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return;
    await new Promise((wait) => setTimeout(wait, 200));
  }
}

const database = () => localDatabase(cosmosPort);

describe('Application Insights from the deployment package', () => {
  it('sends the custom metrics the app tracks (the SDK loads after the first invocation, metrics before it are kept)', async () => {
    // The host's start-up relay was the first invocation; these run after the SDK has loaded.
    await host.runFunction('outbox-relay');
    await host.runFunction('overdue-scan');
    await waitFor(() => metricNames().includes('outbox.relayed') && metricNames().includes('overdue.backlog'), 20_000);
    expect(metricNames()).toEqual(expect.arrayContaining(['outbox.relayed', 'overdue.backlog', 'outbox.backlog', 'outbox.oldestAgeMs']));
  });

  it('sends the request-path metrics: tasks created, Cosmos requests and charge per operation, 412/428 answers, token cache lookups', async () => {
    const task = await createTask(host);
    const patch = (headers: Record<string, string>) => host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers, json: { priority: 'low' } });
    expect((await patch({})).status).toBe(428);
    expect((await patch({ 'if-match': '"stale"' })).status).toBe(412);
    const wanted = ['tasks.created', 'cosmos.requests', 'cosmos.requestCharge', 'http.preconditionRequired', 'http.staleWrite', 'auth.tokenCache'];
    await waitFor(() => wanted.every((name) => metricNames().includes(name)), 20_000);
    expect(metricNames()).toEqual(expect.arrayContaining(wanted));
    expect(metricValues('http.staleWrite').map((metric) => metric.properties['operation'])).toContain('tasks-patch');
    const creates = metricValues('cosmos.requests').filter((metric) => metric.properties['operation'] === 'tasks-create');
    expect(creates.length).toBeGreaterThan(0);
    // The embedded database charges 1 RU a request, so its charge equals the count (documented).
    const charges = metricValues('cosmos.requestCharge').filter((metric) => metric.properties['operation'] === 'tasks-create');
    expect(charges.map((metric) => metric.value)).toEqual(creates.map((metric) => metric.value));
  });

  it('reports no exception of its own over several exports: the SDK works inside the bundle', async () => {
    // Keep metrics coming for a few export intervals, so the exporter runs every code path it has.
    const exportsSoFar = exportRequests;
    for (let round = 0; round < 5; round++) {
      await host.runFunction('outbox-relay');
      await new Promise((wait) => setTimeout(wait, 1_200));
    }
    await waitFor(() => exportRequests >= exportsSoFar + 3, 5_000);
    expect(exportRequests).toBeGreaterThanOrEqual(exportsSoFar + 3);
    const exceptions = received.flatMap((item) => item.data?.baseData?.exceptions?.map((exception) => exception.message) ?? []);
    expect(exceptions).toEqual([]);
  });
});

describe('one trace from the caller to the audit record', () => {
  it('continues an incoming traceparent through the outbox event, the message (Diagnostic-Id), a dead letter and its replay, into the audit writer and the notifications sender', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const inTrace = (item: Envelope) => item.tags?.['ai.operation.id'] === traceId;
    const operationOf = (item: Envelope) => item.tags?.['ai.operation.name'];

    // The audit writer fails for real (its container is gone), so the event is retried and dead-lettered.
    await database().container(CONTAINERS.audit.name).delete();
    const caseworker = 'c0000000-0000-4000-8000-000000000002';
    const response = await host.call('/v1/tasks', { method: 'POST', as: 'manager', headers: { traceparent: `00-${traceId}-${callerSpan}-01` }, json: taskBody({ assignee: caseworker }) });
    expect(response.status).toBe(201);
    const task = (await response.json()).data as { id: string };

    const deadLetter = await (async () => {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((wait) => setTimeout(wait, 200))) {
        const listed = (await (await host.call('/v1/admin/dead-letters/audit', { as: 'admin' })).json()).data as { body: { taskId: string }; applicationProperties: Record<string, string> }[];
        const found = listed.find((message) => message.body.taskId === task.id);
        if (found) return found;
      }
      throw new Error('the event was not dead-lettered');
    })();
    // The message carries the send's span, in the caller's trace.
    const diagnosticId = deadLetter.applicationProperties['Diagnostic-Id']!;
    expect(diagnosticId).toMatch(new RegExp(`^00-${traceId}-[\\da-f]{16}-01$`));
    expect(deadLetter.applicationProperties['traceparent']).toBe(diagnosticId);
    const sendSpanId = diagnosticId.split('-')[2];

    // Recover: the container back, the dead letter replayed; the audit record is written.
    await ensureLocalDatabase(database());
    const replay = await host.call('/v1/admin/dead-letters/audit/replay', { method: 'POST', as: 'admin' });
    expect((await replay.json()).data.replayed).toBeGreaterThanOrEqual(1);
    await host.brokerIdle();
    const history = (await (await host.call(`/v1/tasks/${task.id}/history`, { as: 'manager' })).json()).data as { type: string; traceparent?: string }[];
    expect(history.map((record) => record.type)).toEqual(['task.created']);
    // The audit record holds the trace context it was written in: its trace id is the operation id.
    expect(history[0]!.traceparent).toMatch(new RegExp(`^00-${traceId}-[\\da-f]{16}-01$`));

    await waitFor(
      () =>
        dependencies().some((item) => inTrace(item) && operationOf(item) === 'audit-writer' && item.data?.baseData?.success !== false) &&
        dependencies().some((item) => inTrace(item) && operationOf(item) === 'notifications-sender' && item.data?.baseData?.type === 'Http'),
      20_000,
    );
    const traced = dependencies().filter(inTrace);
    // The send of the event: a Queue Message dependency of the request, whose id is the span in Diagnostic-Id.
    const send = traced.find((item) => item.data?.baseData?.type === 'Queue Message' && operationOf(item) === 'tasks-create');
    expect(send?.data?.baseData?.id).toBe(sendSpanId);
    expect(send?.tags?.['ai.operation.parentId']).not.toBe(callerSpan); // a child of the host's request span, itself the caller's child
    // The request's own Cosmos writes, the audit writer's failed attempts and its final write, and the email to Notify.
    const byOperation = (operation: string) => traced.filter((item) => operationOf(item) === operation).map((item) => `${item.data?.baseData?.type} ${item.data?.baseData?.name}`);
    expect(byOperation('tasks-create')).toEqual(expect.arrayContaining(['cosmosdb create tasks', 'Queue Message Send task-events']));
    expect(byOperation('audit-writer')).toEqual(expect.arrayContaining([expect.stringMatching(/^cosmosdb (create|upsert) audit$/)]));
    expect(byOperation('notifications-sender')).toEqual(expect.arrayContaining([expect.stringMatching(/^Http POST \/(notify\/)?v2\/notifications\/email$/)]));
    // The dead-lettering was counted for the audit subscription.
    await waitFor(() => metricValues('serviceBus.deadLettered').length > 0, 10_000);
    expect(metricValues('serviceBus.deadLettered').map((metric) => metric.properties)).toContainEqual({ entity: 'audit', reason: 'deliveriesExhausted' });
  }, 120_000);
});

describe('logs and telemetry are safe to keep', () => {
  it('lets no description, note, reason, name, email address or token reach the output or Application Insights', async () => {
    const marker = randomUUID().slice(0, 8);
    const secrets = {
      description: `Private description ${marker} about the appellant`,
      title: `Private title ${marker}`,
      reason: `Private cancellation reason ${marker}`,
      name: `Leakcheck Person${marker}`,
      email: `leak.${marker}@example.test`,
      token: await host.token('manager'),
    };
    // Ids are not personal data (they are logged); only the marked fields and the secrets must not be.
    const userId = `c0000000-0000-4000-9999-${randomBytes(6).toString('hex')}`;
    const user = await host.call('/v1/users', {
      method: 'POST',
      as: 'admin',
      json: { id: userId, name: secrets.name, email: secrets.email, roles: ['caseworker'], jurisdictions: ['IA'] },
    });
    expect(user.status, await user.clone().text()).toBe(201);
    const created = await createTask(host, { title: secrets.title, description: secrets.description, assignee: userId });
    const patched = await host.call(`/v1/tasks/${created.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': created.etag }, json: { description: `${secrets.description} (updated)` } });
    expect(patched.status).toBe(200);
    const cancelled = await host.call(`/v1/tasks/${created.id}/cancel`, { method: 'POST', as: 'manager', json: { reason: secrets.reason } });
    expect(cancelled.status).toBe(200);
    // An address where an id belongs: the path (user ids may hold @), which the local host's line shows.
    expect((await host.call(`/v1/users/${secrets.email}`, { as: 'admin' })).status).toBe(404);
    // A token where it does not belong: in the correlation header and the query string.
    const misplaced = await fetch(`${host.baseUrl}/api/v1/tasks?access_token=${secrets.token}`, { headers: { authorization: `Bearer ${secrets.token}`, 'x-correlation-id': secrets.token } });
    expect(misplaced.status).toBe(400);
    expect(misplaced.headers.get('x-correlation-id')).not.toBe(secrets.token);
    await host.brokerIdle();
    await host.runFunction('outbox-relay');
    await new Promise((wait) => setTimeout(wait, 2_500)); // an export interval or two

    // The values did go through the system: the email reached Notify, the task keeps its text.
    const emails = (await (await fetch(`${host.baseUrl}/admin/notifications?emailAddress=${encodeURIComponent(secrets.email)}`)).json()) as { notifications: unknown[] };
    expect(emails.notifications.length).toBeGreaterThan(0);
    const history = JSON.stringify((await (await host.call(`/v1/tasks/${created.id}/history`, { as: 'manager' })).json()).data);
    expect(history).toContain(secrets.reason);

    const sinks = { 'host output': host.output(), 'Application Insights': receivedText.join('\n') };
    for (const [sink, text] of Object.entries(sinks)) {
      expect(text.length, sink).toBeGreaterThan(0);
      for (const [what, value] of Object.entries(secrets)) expect(text.includes(value), `${what} in ${sink}`).toBe(false);
      expect(text.includes(marker), `any value of this test in ${sink}`).toBe(false);
    }
  }, 60_000);
});

describe('npm start output', () => {
  it('prints one readable line per invocation: what ran, its outcome, how long, and the correlation id', async () => {
    const correlationId = `one-line-${randomUUID()}`;
    const response = await host.call('/v1/tasks?limit=1', { as: 'manager', headers: { 'x-correlation-id': correlationId } });
    expect(response.status).toBe(200);
    await waitFor(() => host.output().includes(correlationId), 5_000);
    const lines = host.output().split('\n').filter((line) => line.includes(correlationId));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`info +\\[tasks-list\\] \\([\\da-f-]{36}\\) GET /api/v1/tasks → 200 in \\d+ ms · correlation ${correlationId}$`));
    // A message: one line too, with the correlation id of the request that caused it.
    const task = await host.call('/v1/tasks', { method: 'POST', as: 'manager', headers: { 'x-correlation-id': `${correlationId}-write` }, json: taskBody() });
    expect(task.status).toBe(201);
    await host.brokerIdle();
    const audit = host.output().split('\n').filter((line) => line.includes(`correlation ${correlationId}-write`) && line.includes('[audit-writer]'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatch(/message [\da-f-]{36} on task-events\/subscriptions\/audit \(delivery 1\) → done in \d+ ms · correlation .* · metric audit\.lagMs=\d+ eventType=task\.created$/);
  });
});
