/**
 * `npm run soak`: several minutes of mixed traffic against the local host (a child process, with
 * the Cosmos fault proxy on), with database and Service Bus faults switched on and off on a
 * schedule and one SIGKILL and restart of the host in the middle; then every fault off, the outbox
 * relayed, the broker drained, and everything reconciled:
 *
 * - lost writes: an acknowledged write (a 2xx create or change, with its ETag) whose task is gone
 *   or older than the version the client was given;
 * - audit records: every task's chain verifies and holds exactly one record per version (none
 *   missing, none duplicated);
 * - 5xx outside the windows where faults were injected (or the host was down).
 *
 * The results replace the "Last soak run" section of docs/reliability.md (between its markers).
 * The run exits non-zero if any of the three is not zero.
 *
 *   npm run soak                    (5 minutes of traffic; SOAK_MINUTES=<n> for another length)
 *
 * Traffic goes only to the child host on localhost. Every loop is bounded by count and time, and a
 * watchdog kills the host and ends the run if it ever overruns.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Role } from '../shared/auth/roles.js';
import { defaultDemoUser } from '../dev/demo-users.js';
import { loadOrCreateDevIssuer, type DevIssuer } from '../dev/issuer.js';
import { freePort } from '../dev/free-port.js';
import type { NodeChild } from '../tests/support/child-process.js';
import { launchLocalHost, runFunction, waitForIdleBroker } from '../tests/support/local-host-process.js';
import { makeTempDir, removeTempDir } from '../tests/support/temp-dir.js';
import { assertLoopback } from './host.js';

const projectDir = resolve(import.meta.dirname, '..', '..');
const reliabilityDoc = resolve(projectDir, 'docs', 'reliability.md');
const BEGIN_MARKER = '<!-- soak-results:begin (written by npm run soak; do not edit by hand) -->';
const END_MARKER = '<!-- soak-results:end -->';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 5);
if (!Number.isFinite(MINUTES) || MINUTES < 0.5 || MINUTES > 240) {
  console.error('SOAK_MINUTES must be a number of minutes from 0.5 to 240');
  process.exit(2);
}
const TRAFFIC_MS = MINUTES * 60_000;
const CONCURRENCY = 16;
/** Every request is aborted after this long: a hung request is an error, never a hung run. */
const REQUEST_TIMEOUT_MS = 20_000;
const MAX_REQUESTS_PER_CLIENT = 500_000;
/** Tasks each client creates at most (keeps the reconciliation bounded); then it only changes and reads. */
const MAX_TASKS_PER_CLIENT = 80;
/** Open tasks a client keeps working on; completed ones leave its pool. */
const POOL_SIZE = 30;
/** Reconciliation: the broker must drain within this. */
const DRAIN_MS = 180_000;
/** Whole run, host start to report: traffic plus generous room for start-ups, draining and reconciling. */
const WATCHDOG_MS = TRAFFIC_MS + 12 * 60_000;
/** A fault's window extends this far past its clearing, for answers already on their way. */
const WINDOW_GRACE_MS = 1_000;
const TASKS = '/colls/tasks/';

const runStarted = performance.now();
const elapsed = () => performance.now() - runStarted;
const log = (line: string) => console.log(`[soak ${(elapsed() / 1000).toFixed(0).padStart(4)}s] ${line}`);
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

// ---------------------------------------------------------------------------------------------
// The host: a child process on a fixed port and data folder, so it can be killed and restarted.

interface Host {
  baseUrl: string;
  dataDir: string;
  current(): NodeChild;
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  token(role: Role): Promise<string>;
  rssKiB(): number | undefined;
}

async function createHost(): Promise<Host> {
  const port = await freePort();
  const dataDir = makeTempDir('caseload-soak-');
  const baseUrl = `http://localhost:${port}`;
  assertLoopback(baseUrl);
  let child: NodeChild | undefined;
  let launches = 0;
  let issuer: DevIssuer | undefined;
  const tokens = new Map<Role, string>();
  return {
    baseUrl,
    dataDir,
    current: () => child!,
    async start() {
      child = await launchLocalHost({
        projectDir,
        port,
        dataDir,
        env: { CASELOAD_COSMOS_FAULT_PROXY: '1' },
        // A file per start: launchLocalHost waits for the banner in it, so a restart must not find
        // the previous process's. A file keeps reading the log off this process's CPU.
        logFile: join(dataDir, `host-${++launches}.log`),
      });
      issuer ??= await loadOrCreateDevIssuer({ dataDir, baseUrl });
    },
    kill: async () => child?.stop('SIGKILL'),
    stop: async () => child?.stop('SIGTERM', 10_000),
    async token(role) {
      let token = tokens.get(role);
      if (!token) {
        const user = defaultDemoUser(role);
        token = await issuer!.signToken({ id: user.id, name: user.name, roles: [role] });
        tokens.set(role, token);
      }
      return token;
    },
    rssKiB() {
      try {
        const status = readFileSync(`/proc/${child!.child.pid}/status`, 'utf8');
        return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
      } catch {
        return undefined;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Fault windows: what was injected when, so each answer can be placed inside or outside one.

interface Window {
  kind: string;
  from: number;
  to: number;
}
const windows: Window[] = [];
let openWindow: Window | undefined;

function openFaultWindow(kind: string): void {
  openWindow = { kind, from: elapsed(), to: Infinity };
  windows.push(openWindow);
}
function closeFaultWindow(): void {
  if (openWindow) openWindow.to = elapsed() + WINDOW_GRACE_MS;
  openWindow = undefined;
}
/** The kinds of fault in force at any time during [from, to]. */
const faultsDuring = (from: number, to: number) => windows.filter((window) => window.from <= to && window.to >= from).map((window) => window.kind);

async function admin(host: Host, path: string, method: 'PUT' | 'DELETE' | 'GET', body?: unknown): Promise<unknown> {
  const response = await fetch(`${host.baseUrl}${path}`, {
    method,
    signal: AbortSignal.timeout(10_000),
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}
const cosmosFaults = (host: Host, faults: Record<string, unknown> | null) =>
  admin(host, '/admin/cosmos/faults', faults ? 'PUT' : 'DELETE', faults ?? undefined);
const brokerFaults = (host: Host, faults: { failSends: boolean; hang: boolean }) => admin(host, '/admin/service-bus/faults', 'PUT', faults);
async function clearFaults(host: Host): Promise<void> {
  await cosmosFaults(host, null);
  await brokerFaults(host, { failSends: false, hang: false });
}

/** One slot of the schedule: faults on for most of it, then off. */
type Slot = { kind: string; cosmos?: Record<string, unknown>; broker?: { failSends: boolean; hang: boolean } } | { kind: 'none' } | { kind: 'restart' };
const SCHEDULE: Slot[] = [
  { kind: 'none' },
  { kind: 'cosmos 429', cosmos: { status: 429, retryAfterMs: 100, rate: 0.5, match: TASKS } },
  { kind: 'cosmos 503', cosmos: { status: 503, rate: 0.2, match: TASKS } },
  { kind: 'service bus failSends', broker: { failSends: true, hang: false } },
  { kind: 'cosmos latency', cosmos: { latencyMs: 800, match: TASKS } },
  { kind: 'restart' },
  { kind: 'cosmos dropped connections', cosmos: { drop: true, rate: 0.15, match: TASKS } },
  { kind: 'cosmos answers lost', cosmos: { drop: true, after: true, rate: 0.2, match: TASKS, methods: ['POST', 'PUT'] } },
  { kind: 'service bus hang', broker: { failSends: false, hang: true } },
  { kind: 'none' },
];
/** Share of a slot with its fault on. */
const FAULT_SHARE = 0.7;

// ---------------------------------------------------------------------------------------------
// Traffic and what it saw.

const statuses = new Map<string, number>();
const byOp = new Map<string, number>();
const fiveXxDuring = new Map<string, number>();
let fiveXxOutside = 0;
const fiveXxOutsideSamples: string[] = [];
let served = 0;
let connectionErrors = 0;
let connectionErrorsOutside = 0;
const latencies: number[] = [];
/** Acknowledged writes: task id → the highest version a 2xx answer gave the client. */
const acknowledged = new Map<string, number>();
let acknowledgedWrites = 0;
const caseIds: string[] = [];
let stopTraffic = false;
/**
 * Set while the killed host starts again: clients wait, as a load balancer's health probe would
 * keep traffic off an instance until it is up.
 */
let restarting: Promise<void> | undefined;

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);
const versionOf = (etag: string | null | undefined): number | undefined => {
  if (!etag) return undefined;
  try {
    const version = Number(JSON.parse(etag.replace(/^W\//, '')));
    return Number.isInteger(version) && version > 0 ? version : undefined;
  } catch {
    return undefined;
  }
};
function acknowledge(id: string, etag: string | null | undefined): void {
  const version = versionOf(etag);
  if (version === undefined) return;
  acknowledgedWrites += 1;
  if ((acknowledged.get(id) ?? 0) < version) acknowledged.set(id, version);
}

interface Answer {
  status: number;
  etag: string | null;
  body: any;
}

/** One request of the traffic: counted, timed, and placed inside or outside the fault windows. */
async function call(host: Host, op: string, role: Role, path: string, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}): Promise<Answer | undefined> {
  const started = elapsed();
  bump(byOp, op);
  try {
    const headers: Record<string, string> = { authorization: `Bearer ${await host.token(role)}`, ...init.headers };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${host.baseUrl}/api${path}`, {
      method: init.method ?? 'GET',
      headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
    const text = await response.text();
    const ended = elapsed();
    served += 1;
    latencies.push(ended - started);
    bump(statuses, String(response.status));
    if (response.status >= 500) {
      const during = faultsDuring(started, ended);
      if (during.length === 0) {
        fiveXxOutside += 1;
        if (fiveXxOutsideSamples.length < 5) fiveXxOutsideSamples.push(`${op} ${response.status} at ${(ended / 1000).toFixed(1)} s: ${text.slice(0, 300)}`);
      } else for (const kind of new Set(during)) bump(fiveXxDuring, kind);
    }
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.status, etag: response.headers.get('etag'), body };
  } catch (error) {
    connectionErrors += 1;
    const during = faultsDuring(started, elapsed());
    if (during.length === 0) connectionErrorsOutside += 1;
    bump(statuses, `no answer (${(error as Error).name === 'TimeoutError' ? 'timeout' : 'connection'})`);
    await sleep(200);
    return undefined;
  }
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const taskBody = (caseId: string, title: string, unassigned: boolean) => ({
  caseId,
  jurisdiction: 'IA',
  locationId: '765324',
  title,
  description: 'Soak traffic',
  priority: 'high',
  dueDate: inDays(7),
  ...(unassigned ? { assignee: null } : {}),
});

type Op = 'create' | 'get' | 'list' | 'patch' | 'claim' | 'complete' | 'batch' | 'stats' | 'history';
const WEIGHTS: [Op, number][] = [
  ['create', 12],
  ['get', 20],
  ['list', 10],
  ['patch', 20],
  ['claim', 8],
  ['complete', 6],
  ['batch', 8],
  ['stats', 8],
  ['history', 4],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
function pickOp(): Op {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const [op, weight] of WEIGHTS) if ((roll -= weight) < 0) return op;
  return 'get';
}

async function client(host: Host, index: number, endAt: number): Promise<void> {
  const caseId = caseIds[index]!;
  const pool: { id: string; etag: string }[] = [];
  let created = 0;
  const pick = () => pool[Math.floor(Math.random() * pool.length)];
  const forget = (entry: { id: string }) => {
    const at = pool.findIndex((task) => task.id === entry.id);
    if (at >= 0) pool.splice(at, 1);
  };
  const remember = (id: string, etag: string | null) => {
    if (!etag) return;
    const entry = pool.find((task) => task.id === id);
    if (entry) entry.etag = etag;
  };
  for (let n = 0; n < MAX_REQUESTS_PER_CLIENT && !stopTraffic && elapsed() < endAt; n++) {
    if (restarting) await restarting;
    let op = pickOp();
    const canCreate = created < MAX_TASKS_PER_CLIENT && pool.length < POOL_SIZE;
    if ((op === 'create' || op === 'batch') && !canCreate) op = 'patch';
    if (op !== 'create' && op !== 'list' && op !== 'stats' && op !== 'batch' && pool.length === 0) op = canCreate ? 'create' : 'list';
    const task = pick();
    switch (op) {
      case 'create': {
        created += 1;
        const answer = await call(host, op, 'manager', '/v1/tasks', { method: 'POST', json: taskBody(caseId, `Soak ${index}-${created}`, created % 2 === 0) });
        if (answer?.status === 201) {
          acknowledge(answer.body.data.id, answer.etag);
          pool.push({ id: answer.body.data.id, etag: answer.etag! });
        }
        break;
      }
      case 'get': {
        const answer = await call(host, op, 'manager', `/v1/tasks/${task!.id}`);
        if (answer?.status === 200) remember(task!.id, answer.etag);
        break;
      }
      case 'list':
        await call(host, op, 'manager', `/v1/tasks?caseId=${caseId}&limit=20`);
        break;
      case 'stats':
        await call(host, op, 'manager', `/v1/tasks/stats?caseId=${caseId}`);
        break;
      case 'history':
        await call(host, op, 'manager', `/v1/tasks/${task!.id}/history?limit=20`);
        break;
      case 'patch': {
        const answer = await call(host, op, 'manager', `/v1/tasks/${task!.id}`, {
          method: 'PATCH',
          headers: { 'if-match': task!.etag },
          json: { title: `Soak ${index} change ${n}`, priority: n % 2 === 0 ? 'low' : 'high' },
        });
        if (answer?.status === 200) acknowledge(task!.id, answer.etag);
        // 200: the new version; 412: the current one (the winner's ETag).
        if (answer && (answer.status === 200 || answer.status === 412)) remember(task!.id, answer.etag);
        else if (answer?.status === 409) forget(task!);
        break;
      }
      case 'claim':
      case 'complete': {
        const answer = await call(host, op, 'caseworker', `/v1/tasks/${task!.id}/${op}`, { method: 'POST', json: {} });
        if (answer?.status === 200) {
          acknowledge(task!.id, answer.etag ?? answer.body?.data?.etag);
          remember(task!.id, answer.etag ?? answer.body?.data?.etag);
          if (op === 'complete') forget(task!);
        }
        break;
      }
      case 'batch': {
        const items: unknown[] = [
          { op: 'create', task: taskBody(caseId, `Soak ${index} batch ${n} a`, true) },
          { op: 'create', task: taskBody(caseId, `Soak ${index} batch ${n} b`, false) },
        ];
        created += 2;
        if (task) items.push({ op: 'update', id: task.id, ifMatch: task.etag, patch: { description: `Batch change ${n}` } });
        const answer = await call(host, op, 'manager', '/v1/tasks/batch', { method: 'POST', json: { items } });
        if (answer?.status !== 200) break;
        for (const result of answer.body?.data?.results ?? []) {
          if (result.status >= 300 || !result.data) continue;
          acknowledge(result.data.id, result.data.etag);
          if (result.op === 'create') pool.push({ id: result.data.id, etag: result.data.etag });
          else remember(result.data.id, result.data.etag);
        }
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reconciliation.

interface Reconciliation {
  tasksChecked: number;
  lostWrites: number;
  lostSamples: string[];
  missingAudit: number;
  duplicatedAudit: number;
  chainsNotVerified: number;
  auditSamples: string[];
  uncheckable: number;
}

async function getJson(host: Host, path: string): Promise<{ status: number; etag: string | null; body: any }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${host.baseUrl}/api${path}`, {
        headers: { authorization: `Bearer ${await host.token('admin')}` },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.status >= 500 && attempt < 3) {
        await sleep(1_000);
        continue;
      }
      return { status: response.status, etag: response.headers.get('etag'), body: text ? JSON.parse(text) : undefined };
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(1_000);
    }
  }
}

async function reconcile(host: Host): Promise<Reconciliation> {
  const result: Reconciliation = { tasksChecked: 0, lostWrites: 0, lostSamples: [], missingAudit: 0, duplicatedAudit: 0, chainsNotVerified: 0, auditSamples: [], uncheckable: 0 };
  const ids = new Set(acknowledged.keys());
  // Tasks created whose answers were lost are there too: they must be whole as well.
  for (const caseId of caseIds) {
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const listed = await getJson(host, `/v1/tasks?caseId=${caseId}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (listed.status !== 200) throw new Error(`listing case ${caseId} answered ${listed.status}`);
      for (const task of listed.body.data as { id: string }[]) ids.add(task.id);
      cursor = listed.body.pagination?.nextCursor ?? undefined;
      if (!cursor) break;
    }
  }
  const queue = [...ids];
  const auditProblem = (line: string) => result.auditSamples.length < 8 && result.auditSamples.push(line);
  const check = async (id: string) => {
    const task = await getJson(host, `/v1/tasks/${id}`);
    const acked = acknowledged.get(id);
    if (task.status === 404) {
      if (acked !== undefined) {
        result.lostWrites += 1;
        if (result.lostSamples.length < 8) result.lostSamples.push(`${id}: acknowledged version ${acked}, task not found`);
      }
      return;
    }
    if (task.status !== 200) {
      result.uncheckable += 1;
      return;
    }
    result.tasksChecked += 1;
    const version = versionOf(task.etag)!;
    if (acked !== undefined && version < acked) {
      result.lostWrites += 1;
      if (result.lostSamples.length < 8) result.lostSamples.push(`${id}: acknowledged version ${acked}, stored version ${version}`);
    }
    const sequences: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const history = await getJson(host, `/v1/tasks/${id}/history?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (history.status !== 200) throw new Error(`history of ${id} answered ${history.status}`);
      for (const record of history.body.data as { sequence: number }[]) sequences.push(record.sequence);
      cursor = history.body.pagination?.nextCursor ?? undefined;
      if (!cursor) break;
    }
    const distinct = new Set(sequences);
    const duplicated = sequences.length - distinct.size + [...distinct].filter((sequence) => sequence < 1 || sequence > version).length;
    const missing = Array.from({ length: version }, (_, i) => i + 1).filter((sequence) => !distinct.has(sequence)).length;
    result.duplicatedAudit += duplicated;
    result.missingAudit += missing;
    if (duplicated || missing) auditProblem(`${id}: version ${version}, audit sequences ${JSON.stringify(sequences)}`);
    const verify = await getJson(host, `/v1/tasks/${id}/history/verify`);
    const data = verify.body?.data ?? {};
    if (verify.status !== 200 || data.intact !== true || data.upToDate !== true || data.records !== version || data.taskVersion !== version || (data.problems ?? []).length > 0) {
      result.chainsNotVerified += 1;
      auditProblem(`${id}: verify ${verify.status} ${JSON.stringify(data).slice(0, 300)}`);
    }
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let id = queue.pop(); id !== undefined; id = queue.pop()) await check(id);
    }),
  );
  return result;
}

// ---------------------------------------------------------------------------------------------
// The record in docs/reliability.md.

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: projectDir, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function writeRecord(section: string): void {
  const doc = readFileSync(reliabilityDoc, 'utf8');
  const block = `${BEGIN_MARKER}\n${section.trim()}\n${END_MARKER}`;
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  const next =
    begin >= 0 && end > begin
      ? doc.slice(0, begin) + block + doc.slice(end + END_MARKER.length)
      : `${doc.trimEnd()}\n\n## Last soak run\n\n${block}\n`;
  writeFileSync(reliabilityDoc, next);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const startedAt = new Date();
  const commit = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain').split('\n').filter(Boolean).length;
  log(`starting the local host with the Cosmos fault proxy; ${MINUTES} min of traffic at ${CONCURRENCY} connections`);
  const host = await createHost();
  let finished = false;
  const watchdog = setTimeout(() => {
    console.error(`soak: watchdog after ${WATCHDOG_MS / 1000} s; killing the host.`);
    stopTraffic = true;
    void host.kill().finally(() => process.exit(2));
  }, WATCHDOG_MS);
  watchdog.unref();
  const onSignal = (signal: NodeJS.Signals) => {
    stopTraffic = true;
    void host.kill().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await host.start();
    await waitForIdleBroker(host.baseUrl, 60_000);
    const rssStartKiB = host.rssKiB();
    const firstPid = host.current().child.pid;
    log(`host pid ${firstPid} on ${host.baseUrl}, RSS ${rssStartKiB} KiB`);
    const stamp = String(Date.now()).slice(-12);
    for (let i = 0; i < CONCURRENCY; i++) caseIds.push(`9${stamp}${String(i).padStart(3, '0')}`);

    const trafficStart = elapsed();
    const endAt = trafficStart + TRAFFIC_MS;
    const clients = Array.from({ length: CONCURRENCY }, (_, index) => client(host, index, endAt));

    // The schedule, alongside the traffic.
    const slotMs = TRAFFIC_MS / SCHEDULE.length;
    let rssBeforeKillKiB: number | undefined;
    let restartMs = 0;
    for (const [index, slot] of SCHEDULE.entries()) {
      const slotStart = trafficStart + index * slotMs;
      if (elapsed() < slotStart) await sleep(slotStart - elapsed());
      if (stopTraffic) break;
      if (slot.kind === 'none') continue;
      if (slot.kind === 'restart') {
        rssBeforeKillKiB = host.rssKiB();
        log(`SIGKILL to the host (pid ${host.current().child.pid}, RSS ${rssBeforeKillKiB} KiB), restarting it on the same port and data folder`);
        openFaultWindow('host killed and restarting');
        const killedAt = performance.now();
        let restarted!: () => void;
        restarting = new Promise<void>((done) => (restarted = done));
        try {
          await host.kill();
          await host.start();
        } finally {
          restarting = undefined;
          restarted();
        }
        restartMs = performance.now() - killedAt;
        // The restarted host relays its outbox and the broker redelivers; give it a moment to settle.
        await sleep(2_000);
        closeFaultWindow();
        log(`restarted (pid ${host.current().child.pid}) after ${(restartMs / 1000).toFixed(1)} s`);
        continue;
      }
      const { cosmos, broker } = slot as { kind: string; cosmos?: Record<string, unknown>; broker?: { failSends: boolean; hang: boolean } };
      log(`fault on: ${slot.kind}`);
      openFaultWindow(slot.kind);
      if (cosmos) await cosmosFaults(host, cosmos);
      if (broker) await brokerFaults(host, broker);
      await sleep(Math.max(0, slotStart + slotMs * FAULT_SHARE - elapsed()));
      await clearFaults(host);
      closeFaultWindow();
      log(`fault off: ${slot.kind} (${served} requests so far)`);
    }
    await Promise.all(clients);
    const trafficMs = elapsed() - trafficStart;
    log(`traffic done: ${served} requests answered, ${connectionErrors} without an answer; reconciling`);

    // Faults off, the relay run, the broker drained: then everything must add up.
    await clearFaults(host);
    let drained = true;
    for (let round = 0; round < 2; round++) {
      await runFunction(host.baseUrl, 'outbox-relay');
      try {
        await waitForIdleBroker(host.baseUrl, DRAIN_MS);
      } catch {
        drained = false;
      }
    }
    const brokerState = (await admin(host, '/admin/service-bus', 'GET')) as { entities: Record<string, { deadLettered?: number }> };
    const deadLettered = Object.values(brokerState.entities).reduce((sum, entity) => sum + (entity.deadLettered ?? 0), 0);
    const reconciliation = await reconcile(host);
    const rssEndKiB = host.rssKiB();
    const endPid = host.current().child.pid;
    const mib = (kib: number | undefined) => (kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`);
    const errors = [...statuses.entries()].filter(([status]) => !/^[23]/.test(status)).sort(([a], [b]) => a.localeCompare(b));
    const allStatuses = [...statuses.entries()].sort(([a], [b]) => a.localeCompare(b));
    const failed =
      reconciliation.lostWrites > 0 ||
      reconciliation.missingAudit > 0 ||
      reconciliation.duplicatedAudit > 0 ||
      reconciliation.chainsNotVerified > 0 ||
      reconciliation.uncheckable > 0 ||
      fiveXxOutside > 0 ||
      !drained;

    const lines = [
      `- **Result: ${failed ? 'FAILED' : 'passed'}**`,
      `- date: ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}; commit: \`${commit}\`${dirty ? ` (+ ${dirty} uncommitted paths)` : ''}; Node ${process.version}; ${process.platform}/${process.arch}`,
      `- command: \`npm run soak\` (SOAK_MINUTES=${MINUTES}); ${CONCURRENCY} concurrent connections; traffic ${(trafficMs / 60_000).toFixed(1)} min, whole run ${(elapsed() / 60_000).toFixed(1)} min`,
      `- requests answered: **${served}** (${(served / (trafficMs / 1000)).toFixed(0)}/s; p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms); by operation: ${[...byOp.entries()].map(([op, n]) => `${op} ${n}`).join(', ')}`,
      `- answers by status: ${allStatuses.map(([status, n]) => `${status}: ${n}`).join(', ')}`,
      `- errors by status: ${errors.length ? errors.map(([status, n]) => `${status}: ${n}`).join(', ') : 'none'}`,
      `- 5xx during injected faults (expected: 503 with Retry-After), by fault: ${fiveXxDuring.size ? [...fiveXxDuring.entries()].map(([kind, n]) => `${kind}: ${n}`).join(', ') : 'none'}`,
      `- **5xx outside injected faults: ${fiveXxOutside}**${fiveXxOutsideSamples.length ? ` (${fiveXxOutsideSamples.join('; ')})` : ''}; requests without an answer outside them: ${connectionErrorsOutside}`,
      `- acknowledged writes: ${acknowledgedWrites} (on ${acknowledged.size} tasks); tasks reconciled: ${reconciliation.tasksChecked}${reconciliation.uncheckable ? `, not readable: ${reconciliation.uncheckable}` : ''}`,
      `- **lost writes: ${reconciliation.lostWrites}**${reconciliation.lostSamples.length ? ` (${reconciliation.lostSamples.join('; ')})` : ''}`,
      `- **audit records duplicated: ${reconciliation.duplicatedAudit}, missing: ${reconciliation.missingAudit}; chains not verified: ${reconciliation.chainsNotVerified}**${reconciliation.auditSamples.length ? ` (${reconciliation.auditSamples.join('; ')})` : ''}`,
      `- broker drained after the relay: ${drained ? 'yes' : 'no'}; dead-lettered messages: ${deadLettered}`,
      `- host RSS: ${mib(rssStartKiB)} at start (pid ${firstPid}), ${mib(rssBeforeKillKiB)} before the SIGKILL, ${mib(rssEndKiB)} at the end (restarted, pid ${endPid}); restart took ${(restartMs / 1000).toFixed(1)} s`,
      `- fault schedule (each on for ${FAULT_SHARE * 100}% of a ${(slotMs / 1000).toFixed(0)} s slot): ${SCHEDULE.map((slot) => slot.kind).join(' → ')}`,
    ];
    finished = !failed;
    const section = lines.join('\n');
    console.log(`\n${section}\n`);
    writeRecord(section);
    log(`recorded in docs/reliability.md`);
    if (failed) console.error('soak: FAILED (see above)');
    return failed ? 1 : 0;
  } catch (error) {
    console.error('soak: the run could not complete:', error);
    try {
      console.error(`host log (last lines):\n${host.current()?.output().split('\n').slice(-40).join('\n')}`);
    } catch {
      // no host yet
    }
    return 2;
  } finally {
    stopTraffic = true;
    clearTimeout(watchdog);
    await host.stop().catch(() => {});
    if (finished) removeTempDir(host.dataDir);
    else console.error(`soak: the host's data folder is kept for inspection: ${host.dataDir}`);
  }
}

process.exitCode = await main();
