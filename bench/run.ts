/**
 * `npm run bench`: what the request path costs and whether it holds at scale, written to
 * bench/RESULTS.md. In order:
 *
 * 1. cold start and size of the deployment package (bench/cold-start.ts), while nothing else runs;
 * 2. the HTTP pipeline's own cost, in process (bench/pipeline.ts);
 * 3. stats and the overdue backlog at 2,000 and 200,000 tasks, in process (bench/stats-scale.ts);
 * 4. two local hosts (child processes serving the deployment package), the small one with the demo
 *    data and the large one with ten times the tasks: Cosmos requests per operation counted by the
 *    embedded database, latency and host CPU per request at both sizes in alternating blocks, and
 *    GET by id throughput through the host against raw @azure/cosmos point reads on the same
 *    database, at 16 and 32 connections, with the host's memory.
 *
 *   npm run bench            (builds the deployment package dist/app, then: node dist/bench/run.js)
 *
 * Goals are about the design (round trips, documents read, fixed cost, overhead, a share of what
 * the database alone can serve), judged within this one run. Traffic goes only to loopback; every
 * loop is bounded by count and time, and a watchdog ends the run (and the hosts) if it overruns.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CONTAINERS } from '../shared/config/entities.js';
import { PRIORITIES, type Priority } from '../shared/schemas/task.js';
import { demoTasks, DEMO_TASK_COUNT } from '../dev/demo-data.js';
import type { RequestCounts } from '../dev/cosmos/request-log.js';
import { coldStartGoals, measureColdStart, type ColdStartResult } from './cold-start.js';
import { startHost, type HostProcess } from './host.js';
import { interleave, request, runPhase, summarize, type Budget, type Op, type PhaseResult, type Summary } from './measure.js';
import { GOAL_PIPELINE_OVERHEAD_US, measurePipeline, type PipelineResult } from './pipeline.js';
import { renderReport, type Environment, type Goal, type Measurement, type OperationCost, type ReportData, type Throughput } from './report.js';
import { measureStatsScale, type ScaleResult } from './stats-scale.js';

const projectDir = resolve(import.meta.dirname, '..', '..');
const resultsPath = resolve(projectDir, 'bench', 'RESULTS.md');

/** The large host holds this many times the small one's tasks. */
const SCALE = 10;
/** Latency blocks: small and large alternate over ROUNDS rounds. */
const ROUNDS = 4;
const SEQ: Budget = { warmup: 3, maxRequests: 200, maxMs: 4_000 };
/** Throughput blocks: host and raw reads alternate at each connection count. */
const THROUGHPUT_ROUNDS = 3;
const THROUGHPUT: Budget = { warmup: 32, maxRequests: 3_000, maxMs: 3_000 };
const CONNECTIONS = [16, 32] as const;
/** How many times each operation's request count is taken (the same every time, or it is not deterministic). */
const COUNT_REPEATS = 3;
/** How many counts of one operation may be taken again because a timer ran during them. */
const MAX_TIMER_RETAKES = 3;
const GOAL_THROUGHPUT_VS_RAW = 0.5;
const GOAL_RSS_MIB = 300;
const GOAL_STATS_REQUESTS = 3;
/** Stats and the backlog must not slow down with ten or a hundred times the tasks (fixed cost). */
const GOAL_FIXED_COST_RATIO = 1.5;
/** Idle time before the final memory reading, so V8 can give back what the last blocks allocated. */
const IDLE_BEFORE_MEMORY_MS = 3_000;
/** If the host part has taken this long, the remaining blocks shrink to a token size. */
const SOFT_BUDGET_MS = 150_000;
/** Hard stop of the run after the cold start: end the hosts and the run, whatever is happening. */
const WATCHDOG_MS = 270_000;

const runStarted = performance.now();
let hostPartStarted = runStarted;
const overBudget = () => performance.now() - hostPartStarted > SOFT_BUDGET_MS;
const budget = (base: Budget): Budget => (overBudget() ? { warmup: Math.min(base.warmup, 3), maxRequests: 10, maxMs: 300 } : base);
const split = (base: Budget, rounds: number): Budget => ({ warmup: base.warmup, maxRequests: Math.ceil(base.maxRequests / rounds), maxMs: base.maxMs / rounds });

const log = (line: string) => console.log(`[bench ${((performance.now() - runStarted) / 1000).toFixed(0).padStart(3)}s] ${line}`);

function environment(): Environment {
  const git = (...args: string[]) => {
    try {
      // Not trimmed: porcelain lines start with a significant space.
      return execFileSync('git', args, { cwd: projectDir, encoding: 'utf8' });
    } catch {
      return '';
    }
  };
  // Uncommitted paths are part of what was measured: name a few.
  const dirty = git('status', '--porcelain')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3).trim())
    .filter((path) => path !== 'bench/RESULTS.md');
  const dirtyNote = dirty.length === 0 ? '' : ` + uncommitted: ${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ` and ${dirty.length - 5} more` : ''}`;
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: `${os.availableParallelism()} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
    memoryGiB: os.totalmem() / 2 ** 30,
    commit: `${git('rev-parse', '--short=12', 'HEAD').trim() || 'unknown'}${dirtyNote}`,
    loadBefore: os.loadavg(),
    loadAfter: [],
  };
}

async function main(): Promise<void> {
  const env = environment();
  let coldStart: ColdStartResult;
  let pipeline: PipelineResult;
  let scale: ScaleResult;
  try {
    coldStart = await measureColdStart({ log });
    for (const figures of coldStart.processes) {
      log(`${figures.kind.padEnd(10)} n=${String(figures.n).padStart(2)}  min ${figures.minMs.toFixed(1).padStart(6)}  median ${figures.medianMs.toFixed(1).padStart(6)} ms`);
    }
    hostPartStarted = performance.now();
    log('pipeline overhead, in process');
    pipeline = await measurePipeline();
    log(`pipeline n=${pipeline.n}: median ${pipeline.pipelineMedianUs.toFixed(1)} µs vs bare handler ${pipeline.bareMedianUs.toFixed(1)} µs; overhead median ${pipeline.overheadMedianUs.toFixed(1)} µs, p95 ${pipeline.overheadP95Us.toFixed(1)} µs`);
    log('stats and backlog at 2,000 and 200,000 tasks, in process');
    scale = await measureStatsScale({ log });
  } catch (error) {
    console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
    return;
  }

  log(`starting two local hosts (node ${env.node}, ${env.cpus})`);
  const hosts: HostProcess[] = [];
  const disposeAll = () => Promise.all(hosts.map((host) => host.dispose()));
  const watchdog = setTimeout(() => {
    console.error(`bench: watchdog after ${WATCHDOG_MS / 1000} s; stopping the hosts.`);
    void disposeAll().finally(() => process.exit(2));
  }, WATCHDOG_MS);
  watchdog.unref();
  const stopOnSignal = (signal: NodeJS.Signals) => void disposeAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  try {
    hosts.push(...(await Promise.all([startHost(projectDir), startHost(projectDir)])));
    const data = await measure(hosts[0]!, hosts[1]!, env, coldStart, pipeline, scale);
    env.loadAfter = os.loadavg();
    writeFileSync(resultsPath, renderReport(data));
    log(`wrote ${resultsPath}`);
    for (const goal of data.goals) log(`${goal.met === undefined ? 'info' : goal.met ? 'MET ' : 'MISS'} ${goal.name}: ${goal.value}`);
    // Missed goals are results, not failures; unexpected responses make the numbers themselves suspect.
    const errors = data.measurements.reduce((sum, m) => sum + m.summary.errors, 0) + data.throughput.reduce((sum, t) => sum + t.summary.errors, 0);
    if (errors > 0) {
      console.error(`bench: ${errors} unexpected responses (see Notes in RESULTS.md); the numbers are suspect.`);
      process.exitCode = 1;
    }
  } catch (error) {
    console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n--- host log (tail) ---\n${hosts.map((host) => host.logTail()).join('\n---\n')}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await disposeAll();
  }
}

type Keep = (container: string, operation: string) => boolean;

/** Requests per container and operation, e.g. `tasks: read 1, replace 1`, keeping what `keep` accepts. */
function describeCounts(counts: RequestCounts, keep: Keep = () => true): string {
  return (
    Object.entries(counts.byContainer)
      .map(([container, operations]) => [container, Object.entries(operations).filter(([operation]) => keep(container, operation))] as const)
      .filter(([, operations]) => operations.length > 0)
      .map(([container, operations]) => `${container}: ${operations.map(([operation, n]) => `${operation} ${n}`).join(', ')}`)
      .join('; ') || 'none'
  );
}

const total = (counts: RequestCounts, keep: Keep) =>
  Object.entries(counts.byContainer).reduce(
    (sum, [container, operations]) => sum + Object.entries(operations).reduce((a, [operation, n]) => a + (keep(container, operation) ? (n ?? 0) : 0), 0),
    0,
  );

/** Containers only the event consumers (audit writer, task counters) write: off the request path. */
const CONSUMER_CONTAINERS = new Set<string>([CONTAINERS.audit.name, CONTAINERS.counters.name, CONTAINERS.caseCounters.name]);

async function measure(small: HostProcess, large: HostProcess, env: Environment, coldStart: ColdStartResult, pipeline: PipelineResult, scale: ScaleResult): Promise<ReportData> {
  const notes: string[] = [];
  const measurements: Measurement[] = [];
  const tasksOf = async (host: HostProcess) =>
    (await host.database.container(CONTAINERS.tasks.name).items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll()).resources[0] ?? 0;
  const settle = async (host: HostProcess) => {
    if (!(await host.brokerIdle(30_000))) notes.push('The broker was still busy after 30 s at one settle point; later blocks share the CPU with that backlog.');
  };

  // --- Data: the small host keeps the demo data; the large one gets SCALE times as many tasks,
  // written straight into its database and counted by the reconciliation timer, run by hand.
  await Promise.all([settle(small), settle(large)]);
  const smallCount = await tasksOf(small);
  const extra = demoTasks(smallCount * SCALE + DEMO_TASK_COUNT - (await tasksOf(large)), new Date())
    .slice(DEMO_TASK_COUNT)
    .map((task) => ({ ...task, pendingEvents: [], outboxSince: null }));
  log(`seeding ${extra.length} tasks into the large host, then its counters reconciliation`);
  const target = large.database.container(CONTAINERS.tasks.name);
  for (let i = 0; i < extra.length; i += 32) await Promise.all(extra.slice(i, i + 32).map((task) => target.items.upsert(task)));
  const reconcileStarted = performance.now();
  await large.runFunction('task-counters-reconcile');
  const reconcileMs = performance.now() - reconcileStarted;
  const largeCount = await tasksOf(large);
  // The overdue scan once on each, so the backlog and the overdue flags are there to read.
  await Promise.all([small.runFunction('overdue-scan'), large.runFunction('overdue-scan')]);
  await Promise.all([settle(small), settle(large)]);

  const sizes = [
    { host: small, tasks: smallCount, label: `${smallCount} tasks` },
    { host: large, tasks: largeCount, label: `${largeCount} tasks` },
  ];
  const tokenOf = async (host: HostProcess, role: 'manager' | 'admin') => ({ authorization: `Bearer ${await host.token(role)}` });
  const known = new Map<HostProcess, { id: string; etag: string; caseId: string; priority: Priority }[]>();
  for (const { host } of sizes) {
    const listed = JSON.parse((await request(`${host.baseUrl}/api/v1/tasks?limit=100&status=pending`, { headers: await tokenOf(host, 'manager') })).text) as { data: { id: string; etag: string; caseId: string; priority: Priority }[] };
    if (listed.data.length < 10) throw new Error('the manager sees too few pending tasks: is the demo data seeded?');
    known.set(host, listed.data);
  }
  const pick = (host: HostProcess, i: number) => known.get(host)![i % known.get(host)!.length]!;

  // --- Cosmos requests per operation, from the database's side, on both hosts.
  log('Cosmos requests per operation');
  const costs: OperationCost[] = [];
  const costOf = async (
    operation: string,
    host: HostProcess,
    tasks: number,
    run: () => Promise<number>,
    expect: number,
    options: { prepare?: () => Promise<void>; perItem?: (counts: RequestCounts) => string; writes?: boolean; path?: Keep } = {},
  ) => {
    const requestPath: RequestCounts[] = [];
    const consumers: RequestCounts[] = [];
    // A read causes no background work: everything it costs is on the request path. A write's
    // events are then counted and audited by the consumers, in their own containers.
    const path: Keep = options.path ?? ((container) => !options.writes || !CONSUMER_CONTAINERS.has(container));
    let interrupted = 0;
    for (let repeat = 0; repeat < COUNT_REPEATS; repeat++) {
      await options.prepare?.();
      await settle(host);
      await host.cosmosRequests(true);
      const status = await run();
      if (status !== expect) notes.push(`${operation} answered ${status} while its requests were counted.`);
      await settle(host);
      const counts = await host.cosmosRequests(true);
      // The operations-dispatch timer (every minute, not movable: its schedule is fixed) queries the
      // operations container, which no measured operation touches: a count it fell into is taken again.
      if (counts.byContainer[CONTAINERS.operations.name] && interrupted < MAX_TIMER_RETAKES) {
        interrupted += 1;
        repeat -= 1;
        continue;
      }
      requestPath.push(counts);
      consumers.push(counts);
    }
    if (interrupted > 0) notes.push(`${operation} (${tasks} tasks): ${interrupted} count(s) taken again because the operations-dispatch timer ran during them.`);
    const totals = requestPath.map((counts) => total(counts, path));
    const documents = requestPath.map((counts) => Object.entries(counts.documentsByContainer).reduce((sum, [container, n]) => sum + (path(container, 'query') ? n : 0), 0));
    costs.push({
      operation,
      tasks,
      requests: [Math.min(...totals), Math.max(...totals)],
      documents: [Math.min(...documents), Math.max(...documents)],
      detail: describeCounts(requestPath[0]!, path),
      consumers: options.writes ? describeCounts(consumers[0]!, (container, operation) => !path(container, operation)) : 'none',
      ...(options.perItem ? { note: options.perItem(requestPath[0]!) } : {}),
    });
  };
  for (const { host, tasks } of sizes) {
    const manager = await tokenOf(host, 'manager');
    const admin = await tokenOf(host, 'admin');
    const api = `${host.baseUrl}/api/v1`;
    // Warm: tokens verified and cached, directory entries cached, client metadata read (a create
    // reads the container's partition key definition once).
    for (const headers of [manager, admin]) {
      await request(`${api}/tasks/stats`, { headers });
      await request(`${api}/tasks/${pick(host, 0).id}`, { headers });
      await request(`${api}/tasks?limit=20`, { headers });
    }
    await request(`${api}/tasks`, {
      method: 'POST',
      headers: { ...manager, 'content-type': 'application/json' },
      body: JSON.stringify({ caseId: String(1_700_500_000_000_000 + tasks), jurisdiction: 'IA', locationId: '765324', title: 'Warm-up task', dueDate: '2031-01-15T09:00:00Z' }),
    });
    await costOf('GET /tasks/{id}', host, tasks, async () => (await request(`${api}/tasks/${pick(host, 1).id}`, { headers: manager })).status, 200);
    await costOf('GET /tasks?limit=20 (a page)', host, tasks, async () => (await request(`${api}/tasks?limit=20`, { headers: manager })).status, 200);
    await costOf('GET /tasks/stats (manager)', host, tasks, async () => (await request(`${api}/tasks/stats`, { headers: manager })).status, 200);
    await costOf('GET /tasks/stats (admin)', host, tasks, async () => (await request(`${api}/tasks/stats`, { headers: admin })).status, 200);
    await costOf('GET /tasks/stats?caseId=…', host, tasks, async () => (await request(`${api}/tasks/stats?caseId=${pick(host, 2).caseId}`, { headers: manager })).status, 200);
    let revision = 0;
    const target = pick(host, 3);
    await costOf('PATCH /tasks/{id} (priority)', host, tasks, async () => {
      // Always a different priority from the task's: a PATCH that changes nothing writes nothing.
      target.priority = PRIORITIES[(PRIORITIES.indexOf(target.priority) + 1) % PRIORITIES.length]!;
      const reply = await request(`${api}/tasks/${target.id}`, {
        method: 'PATCH',
        headers: { ...manager, 'content-type': 'application/merge-patch+json', 'if-match': target.etag },
        body: JSON.stringify({ priority: target.priority }),
      });
      if (reply.status === 200) target.etag = reply.headers.get('etag')!;
      return reply.status;
    }, 200, { writes: true });
    await costOf('POST /tasks', host, tasks, async () => {
      const reply = await request(`${api}/tasks`, {
        method: 'POST',
        headers: { ...manager, 'content-type': 'application/json' },
        body: JSON.stringify({ caseId: String(1_800_000_000_000_000 + revision++ + tasks), jurisdiction: 'IA', locationId: '765324', title: 'Benchmark task', dueDate: '2031-01-15T09:00:00Z' }),
      });
      return reply.status;
    }, 201, { writes: true });
    // Two tasks become overdue before each scan: their due dates are moved to just ahead, then passed.
    let soon = 20;
    const dueSoon = async () => {
      for (const task of [pick(host, soon++), pick(host, soon++)]) {
        const reply = await request(`${api}/tasks/${task.id}`, {
          method: 'PATCH',
          headers: { ...manager, 'content-type': 'application/merge-patch+json', 'if-match': task.etag },
          body: JSON.stringify({ dueDate: new Date(Date.now() + 1_500).toISOString() }),
        });
        if (reply.status === 200) task.etag = reply.headers.get('etag')!;
      }
      await new Promise((wait) => setTimeout(wait, 2_000));
    };
    await costOf('overdue scan (timer), with overdue-process for the 2 tasks it flags', host, tasks, async () => (await host.runFunction('overdue-scan'), 202), 202, {
      prepare: dueSoon,
      writes: true,
      // The scan's own queries and the flags on tasks; the counters' reads and writes are the consumer's.
      path: (container, operation) => container === CONTAINERS.tasks.name || (container === CONTAINERS.counters.name && (operation === 'query' || operation === 'queryPlan')),
      perItem: (counts) => {
        const tasksOps = counts.byContainer[CONTAINERS.tasks.name] ?? {};
        const totals = counts.byContainer[CONTAINERS.counters.name] ?? {};
        const flagged = tasksOps.patch ?? 0;
        return `scan ${(tasksOps.query ?? 0) + (tasksOps.queryPlan ?? 0)} (query + plan), backlog ${(totals.query ?? 0) + (totals.queryPlan ?? 0)} (query + plan), ${flagged} flagged at ${flagged ? ((tasksOps.read ?? 0) + (tasksOps.replace ?? 0) + flagged) / flagged : 0} requests each`;
      },
    });
  }

  // --- Latency and host CPU per request, small and large alternating.
  log('latency at both sizes, alternating');
  const cpuOf = (host: HostProcess) => () => host.cpuMs();
  const record = async (op: string, clients: number, tasks: number, result: PhaseResult) => {
    const summary = summarize(result);
    measurements.push({ op, clients, tasks, summary, stoppedBy: [...result.stoppedBy] });
    if (result.errors > 0) notes.push(`${op} at ${tasks} tasks: ${result.errors} unexpected responses, e.g. ${result.errorExamples.join('; ')}`);
    log(`${op.padEnd(30)} ${String(tasks).padStart(6)} tasks  n=${String(summary.n).padStart(4)}  p50 ${summary.p50.toFixed(1).padStart(6)}  p95 ${summary.p95.toFixed(1).padStart(6)} ms`);
    return summary;
  };
  const readOps: [string, (host: HostProcess) => Promise<Op>][] = [
    ['GET /tasks/{id}', async (host) => { const headers = await tokenOf(host, 'manager'); return async (_, i) => (await request(`${host.baseUrl}/api/v1/tasks/${pick(host, i).id}`, { headers })).status; }],
    ['GET /tasks?limit=20', async (host) => { const headers = await tokenOf(host, 'manager'); return async () => (await request(`${host.baseUrl}/api/v1/tasks?limit=20`, { headers })).status; }],
    ['GET /tasks/stats', async (host) => { const headers = await tokenOf(host, 'manager'); return async () => (await request(`${host.baseUrl}/api/v1/tasks/stats`, { headers })).status; }],
  ];
  const latency = new Map<string, Map<number, ReturnType<typeof summarize>>>();
  for (const [name, opFor] of readOps) {
    const ops = await Promise.all(sizes.map(async ({ host }) => ({ host, op: await opFor(host) })));
    for (const { host, op } of ops) await runPhase({ clients: 1, budget: { warmup: 10, maxRequests: 0, maxMs: 5_000 }, op, expect: [200], cpuMs: cpuOf(host) });
    const results = await interleave(
      ROUNDS,
      ops.map(({ host, op }, index) => ({ name: String(index), run: () => runPhase({ clients: 1, budget: budget(split(SEQ, ROUNDS)), op, expect: [200], cpuMs: cpuOf(host) }) })),
    );
    const bySize = new Map<number, ReturnType<typeof summarize>>();
    for (const [index, { tasks }] of sizes.entries()) bySize.set(tasks, await record(name, 1, tasks, results.get(String(index))!));
    latency.set(name, bySize);
  }

  // --- Writes, on the small host (their cost does not depend on the data size).
  log('writes');
  {
    const manager = await tokenOf(small, 'manager');
    const api = `${small.baseUrl}/api/v1`;
    let serial = 0;
    const createOp: Op = async () =>
      (await request(`${api}/tasks`, {
        method: 'POST',
        headers: { ...manager, 'content-type': 'application/json' },
        body: JSON.stringify({ caseId: String(1_900_000_000_000_000 + serial++), jurisdiction: 'IA', locationId: '765324', title: 'Benchmark task', dueDate: '2031-01-15T09:00:00Z' }),
      })).status;
    const target = pick(small, 5);
    const patchOp: Op = async (_, i) => {
      const reply = await request(`${api}/tasks/${target.id}`, {
        method: 'PATCH',
        headers: { ...manager, 'content-type': 'application/merge-patch+json', 'if-match': target.etag },
        body: JSON.stringify({ title: `Benchmark revision ${i}` }),
      });
      if (reply.status === 200) target.etag = reply.headers.get('etag')!;
      return reply.status;
    };
    await settle(small);
    const writes = await interleave(ROUNDS, [
      { name: 'create', run: () => runPhase({ clients: 1, budget: budget(split(SEQ, ROUNDS)), op: createOp, expect: [201], cpuMs: cpuOf(small) }) },
      { name: 'patch', run: () => runPhase({ clients: 1, budget: budget(split(SEQ, ROUNDS)), op: patchOp, expect: [200], cpuMs: cpuOf(small) }) },
    ]);
    await record('POST /tasks', 1, smallCount, writes.get('create')!);
    await record('PATCH /tasks/{id}', 1, smallCount, writes.get('patch')!);
    await settle(small);
  }

  // --- Throughput of GET by id: through the host vs raw point reads on its database.
  log('GET by id throughput: host vs raw @azure/cosmos point reads, 16 and 32 connections');
  const throughput: Throughput[] = [];
  let peakRssMiB = 0;
  {
    const headers = await tokenOf(small, 'manager');
    const tasks = small.database.container(CONTAINERS.tasks.name);
    const viaHost: Op = async (_, i) => (await request(`${small.baseUrl}/api/v1/tasks/${pick(small, i).id}`, { headers })).status;
    const raw: Op = async (_, i) => {
      const { id } = pick(small, i);
      return (await tasks.item(id, id).read()).statusCode;
    };
    const sample = () => {
      const memory = small.memory();
      if (memory) peakRssMiB = Math.max(peakRssMiB, memory.rssMiB);
    };
    const variants = CONNECTIONS.flatMap((connections) => [
      { name: `host-${connections}`, run: async () => { const result = await runPhase({ clients: connections, budget: budget(split(THROUGHPUT, THROUGHPUT_ROUNDS)), op: viaHost, expect: [200], cpuMs: cpuOf(small) }); sample(); return result; } },
      { name: `raw-${connections}`, run: async () => { const result = await runPhase({ clients: connections, budget: budget(split(THROUGHPUT, THROUGHPUT_ROUNDS)), op: raw, expect: [200], cpuMs: cpuOf(small) }); sample(); return result; } },
    ]);
    const results = await interleave(THROUGHPUT_ROUNDS, variants);
    for (const connections of CONNECTIONS) {
      for (const path of ['host', 'raw'] as const) {
        const summary = summarize(results.get(`${path}-${connections}`)!);
        throughput.push({ path, connections, summary });
        if (summary.errors > 0) notes.push(`GET by id (${path}, ${connections} connections): ${summary.errors} errors.`);
        log(`${path.padEnd(4)} ${connections} connections  n=${summary.n}  ${summary.throughput.toFixed(0)} req/s  p50 ${summary.p50.toFixed(1)} ms  p95 ${summary.p95.toFixed(1)} ms  errors ${summary.errors}`);
      }
    }
  }
  await settle(small);
  await new Promise((wait) => setTimeout(wait, IDLE_BEFORE_MEMORY_MS));
  const memory = { small: small.memory(), large: large.memory(), peakRssMiB };

  // --- Goals.
  const goals: Goal[] = [];
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const costAt = (operation: string, tasks: number) => costs.find((cost) => cost.operation === operation && cost.tasks === tasks)!;
  const same = (a: [number, number], b: [number, number]) => a[0] === a[1] && b[0] === b[1] && a[0] === b[0];
  const requestGoal = (operation: string, expected: number, what: string) => {
    const at = sizes.map(({ tasks }) => costAt(operation, tasks));
    const values = at.map((cost) => cost.requests);
    goals.push({
      name: `${operation}: Cosmos requests on the request path, at ${sizes.map(({ tasks }) => tasks).join(' and ')} tasks (n = ${COUNT_REPEATS} each)`,
      value: at.map((cost) => `${cost.requests[0] === cost.requests[1] ? cost.requests[0] : cost.requests.join('-')} (${cost.detail})`).join(' / '),
      goal: `= ${expected} at both sizes (${what})`,
      met: values.every((value) => value[0] === expected && value[1] === expected),
    });
  };
  requestGoal('GET /tasks/{id}', 1, 'one point read; the directory entry and the token come from caches');
  requestGoal('GET /tasks?limit=20 (a page)', 2, 'one query, plus the query plan @azure/cosmos 4.9 always fetches beside it');
  requestGoal('PATCH /tasks/{id} (priority)', 3, 'one read, one conditioned replace, one outbox patch after the publish');
  for (const operation of ['GET /tasks/stats (manager)', 'GET /tasks/stats (admin)', 'GET /tasks/stats?caseId=…']) {
    const at = sizes.map(({ tasks }) => costAt(operation, tasks));
    goals.push({
      name: `${operation}: requests and documents read at ${sizes.map(({ tasks }) => tasks).join(' vs ')} tasks (n = ${COUNT_REPEATS} each)`,
      value: at.map((cost) => `${cost.requests[1]} requests, ${cost.documents[1]} documents`).join(' vs '),
      goal: `≤ ${GOAL_STATS_REQUESTS} requests, the same requests and documents at both sizes`,
      met: at.every((cost) => cost.requests[1] <= GOAL_STATS_REQUESTS) && same(at[0]!.requests, at[1]!.requests) && same(at[0]!.documents, at[1]!.documents),
    });
  }
  for (const op of [...new Set(scale.ops.map((entry) => entry.op))]) {
    const [a, b] = scale.ops.filter((entry) => entry.op === op);
    if (!a || !b) continue;
    goals.push({
      name: `${op}: requests and documents per call at ${a.tasks} vs ${b.tasks} tasks (n = ${a.n} / ${b.n})`,
      value: `${a.requests[1]} requests, ${a.documents[1]} documents vs ${b.requests[1]} requests, ${b.documents[1]} documents`,
      goal: `≤ ${GOAL_STATS_REQUESTS} requests, the same requests and documents at both sizes`,
      met: b.requests[1] <= GOAL_STATS_REQUESTS && same(a.requests, b.requests) && same(a.documents, b.documents),
    });
    const r = ratio(b.p50Ms, a.p50Ms);
    goals.push({
      name: `${op}: p50 at ${b.tasks} vs ${a.tasks} tasks (n = ${b.n} / ${a.n})`,
      value: `${r.toFixed(2)}× (${b.p50Ms.toFixed(2)} vs ${a.p50Ms.toFixed(2)} ms)`,
      goal: `≤ ${GOAL_FIXED_COST_RATIO} (fixed cost: a count over the tasks would be ~100×)`,
      met: r <= GOAL_FIXED_COST_RATIO,
    });
  }
  {
    const stats = latency.get('GET /tasks/stats')!;
    const [s, l] = [stats.get(smallCount)!, stats.get(largeCount)!];
    const r = ratio(l.p50, s.p50);
    goals.push({
      name: `GET /tasks/stats through the host: p50 at ${largeCount} vs ${smallCount} tasks (n = ${l.n} / ${s.n})`,
      value: `${r.toFixed(2)}×`,
      goal: `≤ ${GOAL_FIXED_COST_RATIO} (fixed cost, pipeline included)`,
      met: r <= GOAL_FIXED_COST_RATIO,
    });
    const list = latency.get('GET /tasks?limit=20')!;
    goals.push({
      name: `GET /tasks?limit=20 through the host: p50 at ${largeCount} vs ${smallCount} tasks (n = ${list.get(largeCount)!.n} / ${list.get(smallCount)!.n})`,
      value: `${ratio(list.get(largeCount)!.p50, list.get(smallCount)!.p50).toFixed(2)}×`,
      goal: 'informational: the same requests at both sizes (above), but the embedded database scans every task for a query (no indexes)',
      met: undefined,
    });
    const get = latency.get('GET /tasks/{id}')!;
    goals.push({
      name: `Control: GET /tasks/{id} p50 at ${largeCount} vs ${smallCount} tasks`,
      value: `${ratio(get.get(largeCount)!.p50, get.get(smallCount)!.p50).toFixed(2)}×`,
      goal: '≈ 1 (informational: a point read; far from 1 means the machine load changed between the two sizes)',
      met: undefined,
    });
  }
  goals.push({
    name: `HTTP pipeline overhead over the bare handler, GET /tasks/{id}, in process, cached key and token (n = ${pipeline.n} pairs)`,
    value: `${pipeline.overheadMedianUs.toFixed(1)} µs median (p95 ${pipeline.overheadP95Us.toFixed(1)} µs; ${pipeline.pipelineMedianUs.toFixed(1)} vs ${pipeline.bareMedianUs.toFixed(1)} µs)`,
    goal: `≤ ${GOAL_PIPELINE_OVERHEAD_US} µs median`,
    met: pipeline.overheadMedianUs <= GOAL_PIPELINE_OVERHEAD_US,
  });
  const cpuText = (summary: Summary) => (summary.cpuMsPerRequest === undefined ? 'n/a' : summary.cpuMsPerRequest.toFixed(2));
  for (const connections of CONNECTIONS) {
    const host = throughput.find((t) => t.path === 'host' && t.connections === connections)!.summary;
    const raw = throughput.find((t) => t.path === 'raw' && t.connections === connections)!.summary;
    const r = ratio(host.throughput, raw.throughput);
    goals.push({
      name: `GET /tasks/{id} throughput through the host vs raw @azure/cosmos point reads on the same database, ${connections} connections (n = ${host.n} / ${raw.n})`,
      value: `${r.toFixed(2)}× (${host.throughput.toFixed(0)} vs ${raw.throughput.toFixed(0)} req/s; errors ${host.errors} / ${raw.errors}; host CPU ${cpuText(host)} vs ${cpuText(raw)} ms per request)`,
      goal: `≥ ${GOAL_THROUGHPUT_VS_RAW} and 0 errors`,
      met: r >= GOAL_THROUGHPUT_VS_RAW && host.errors === 0 && raw.errors === 0,
    });
  }
  goals.push({
    name: `Host RSS during the throughput blocks (highest VmRSS sampled after each block, ${smallCount} tasks)`,
    value: `${peakRssMiB.toFixed(0)} MiB`,
    goal: `≤ ${GOAL_RSS_MIB} MiB`,
    met: peakRssMiB > 0 && peakRssMiB <= GOAL_RSS_MIB,
  });
  goals.push(...coldStartGoals(coldStart));
  notes.push(...coldStart.notes);
  if (scale.reconcileAtSmall.tasksCaughtUp !== 0 || scale.reconcileAtSmall.totalsCorrected !== 0) {
    notes.push(`At ${scale.sizes[0]} tasks the reconciliation corrected the imported counters (${JSON.stringify(scale.reconcileAtSmall)}): the two builds disagree.`);
  }

  return {
    env,
    goals,
    costs,
    measurements,
    throughput,
    pipeline,
    scale,
    memory,
    notes,
    sizes: { small: smallCount, large: largeCount, reconcileMs },
    coldStart,
    durationMs: performance.now() - runStarted,
  };
}

await main();
