/**
 * The benchmark's own harness for the local host: the same approach as
 * tests/integration/local-host.ts (child process on a free loopback port, fresh data folder, dev
 * issuer tokens), but without vitest or the contract validator, whose per-response checks would
 * cost more CPU than the requests being timed on a 2-core machine.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CosmosClient, type Database } from '@azure/cosmos';
import type { Role } from '../shared/auth/roles.js';
import { COSMOS_DATABASE_DEFAULT } from '../shared/config/entities.js';
import { defaultDemoUser } from '../dev/demo-users.js';
import { loadOrCreateDevIssuer, type DevIssuer } from '../dev/issuer.js';
import { freePort } from '../dev/free-port.js';
import type { RequestCounts } from '../dev/cosmos/request-log.js';
import { COSMOS_REQUESTS_PATH } from '../dev/cosmos/request-admin.js';
import type { NodeChild } from '../tests/support/child-process.js';
import { launchLocalHost, runFunction, waitForIdleBroker } from '../tests/support/local-host-process.js';
import { makeTempDir, removeTempDir } from '../tests/support/temp-dir.js';
import { WaitTimeoutError } from '../tests/support/wait.js';

/** Only loopback: the benchmark must never send its load anywhere else. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function assertLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (!LOOPBACK.has(hostname)) throw new Error(`benchmark traffic goes to loopback only, not ${hostname}`);
}

/**
 * Timer schedule that never fires during a run (00:00:00 on 1 January). The relay and the overdue
 * scan are run by hand at chosen points instead, so a timer tick cannot land inside one side of a
 * ratio and skew it.
 */
const NEVER_DURING_A_RUN = '0 0 0 1 1 *';


export interface HostProcess {
  baseUrl: string;
  pid: number;
  dataDir: string;
  /** Signs a token for the first demo user of a role (the API resolves the user's scope from the directory). */
  token(role: Role): Promise<string>;
  /** The host's embedded database, reached directly: only for seeding and inspecting, never timed. */
  database: Database;
  /** POST /admin/functions/<name>: runs a timer function now. */
  runFunction(name: string): Promise<void>;
  /**
   * The requests the app sent to its database since the last reset, counted by the embedded
   * database (GET /admin/cosmos/requests); `reset` also starts the count again (DELETE).
   */
  cosmosRequests(reset?: boolean): Promise<RequestCounts>;
  setSendFaults(failSends: boolean): Promise<void>;
  /** Waits (bounded) until the local broker has nothing active or locked, i.e. background work is done. */
  brokerIdle(timeoutMs?: number): Promise<boolean>;
  /** VmRSS and VmHWM of the host process, in MiB (Linux /proc). */
  memory(): { rssMiB: number; peakMiB: number } | undefined;
  /** User + system CPU time the host process has used, in ms (Linux /proc). */
  cpuMs(): number | undefined;
  logTail(lines?: number): string;
  dispose(): Promise<void>;
}

export async function startHost(projectDir: string): Promise<HostProcess> {
  const port = await freePort();
  const cosmosPort = await freePort();
  const dataDir = makeTempDir('caseload-bench-');
  const baseUrl = `http://localhost:${port}`;
  assertLoopback(baseUrl);
  let host: NodeChild | undefined;
  const logTail = (lines = 30) => (host?.output() ?? '').split('\n').slice(-lines).join('\n');
  const dispose = async () => {
    // SIGTERM lets the host close the database cleanly; SIGKILL if it hangs, so the run always ends.
    await host?.stop('SIGTERM', 10_000);
    removeTempDir(dataDir);
  };

  let issuer: DevIssuer;
  try {
    host = await launchLocalHost({
      projectDir,
      port,
      dataDir,
      env: {
        // A known port so the benchmark can seed the embedded database directly (as an integration test does).
        CASELOAD_COSMOS_PORT: String(cosmosPort),
        OUTBOX_RELAY_SCHEDULE: NEVER_DURING_A_RUN,
        OVERDUE_SCAN_SCHEDULE: NEVER_DURING_A_RUN,
        COUNTERS_RECONCILE_SCHEDULE: NEVER_DURING_A_RUN,
      },
      // The host logs every invocation; a file instead of a pipe keeps reading it off this process's CPU.
      logFile: join(dataDir, 'host.log'),
    });
    issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl });
  } catch (error) {
    await dispose();
    throw error;
  }

  const database = new CosmosClient({
    endpoint: `http://127.0.0.1:${cosmosPort}`,
    // The embedded database checks no keys; the client insists on one.
    key: Buffer.from('bench').toString('base64'),
    connectionPolicy: { enableEndpointDiscovery: false },
  }).database(COSMOS_DATABASE_DEFAULT);

  const tokens = new Map<Role, string>();
  const clockTicks = (() => {
    try {
      return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      return 100;
    }
  })();
  const pid = host.child.pid!;

  return {
    baseUrl,
    pid,
    dataDir,
    database,
    async token(role) {
      let token = tokens.get(role);
      if (!token) {
        const user = defaultDemoUser(role);
        token = await issuer.signToken({ id: user.id, name: user.name, roles: [role] });
        tokens.set(role, token);
      }
      return token;
    },
    runFunction: (name) => runFunction(baseUrl, name),
    async cosmosRequests(reset = false) {
      const response = await fetch(`${baseUrl}${COSMOS_REQUESTS_PATH}`, { method: reset ? 'DELETE' : 'GET' });
      if (!response.ok) throw new Error(`${COSMOS_REQUESTS_PATH} answered ${response.status}`);
      return (await response.json()) as RequestCounts;
    },
    async setSendFaults(failSends) {
      const response = await fetch(`${baseUrl}/admin/service-bus/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ failSends }),
      });
      if (!response.ok) throw new Error(`setting broker faults answered ${response.status}`);
    },
    brokerIdle: (timeoutMs = 30_000) =>
      waitForIdleBroker(baseUrl, timeoutMs).then(
        () => true,
        (error: unknown) => (error instanceof WaitTimeoutError ? false : Promise.reject(error)),
      ),
    memory() {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
        return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
      } catch {
        return undefined;
      }
    },
    cpuMs() {
      try {
        // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
      } catch {
        return undefined;
      }
    },
    logTail,
    dispose,
  };
}
