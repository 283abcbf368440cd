import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from './local-host.js';

/**
 * Telemetry from the deployment package, when it is switched on: the local host runs dist/app with
 * an Application Insights connection string pointing at a local ingestion endpoint speaking the
 * Breeze protocol (HTTPS with a throw-away certificate the child process is told to trust; the
 * exporter only speaks HTTPS). What arrives there is what Application Insights would receive.
 */

interface Envelope {
  name: string;
  data?: { baseType?: string; baseData?: { metrics?: { name: string; value: number }[]; exceptions?: { message: string }[] } };
}

let certDir: string;
let ingestion: Server;
let host: LocalHost;
const received: Envelope[] = [];
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
      const parsed = JSON.parse(text) as Envelope | Envelope[];
      received.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
    });
  });
  await new Promise<void>((listening) => ingestion.listen(0, '127.0.0.1', listening));
  const { port } = ingestion.address() as AddressInfo;
  host = await startLocalHost({
    env: {
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:${port}/;LiveEndpoint=https://127.0.0.1:${port}/`,
      NODE_EXTRA_CA_CERTS: join(certDir, 'cert.pem'),
      // Export custom metrics every second instead of every minute, so the test is short.
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      // The SDK also reports its own usage to Microsoft's statsbeat endpoint; tests talk to loopback only.
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    },
  });
});

afterAll(async () => {
  await host?.dispose();
  ingestion?.close();
  rmSync(certDir, { recursive: true, force: true });
});

const metricNames = () => received.flatMap((item) => item.data?.baseData?.metrics?.map((metric) => metric.name) ?? []);

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return;
    await new Promise((wait) => setTimeout(wait, 200));
  }
}

describe('Application Insights from the deployment package', () => {
  it('sends the custom metrics the app tracks (the SDK loads after the first invocation, metrics before it are kept)', async () => {
    // The host's start-up relay was the first invocation; these run after the SDK has loaded.
    await host.runFunction('outbox-relay');
    await host.runFunction('overdue-scan');
    await waitFor(() => metricNames().includes('outbox.relayed') && metricNames().includes('overdue.backlog'), 20_000);
    expect(metricNames()).toEqual(expect.arrayContaining(['outbox.relayed', 'overdue.backlog']));
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
