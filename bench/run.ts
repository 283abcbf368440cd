/**
 * `npm run bench`: cold start and size of the deployment package (bench/cold-start.ts), then
 * latency, throughput and memory of the local host through its real HTTP path, written to
 * bench/RESULTS.md. Goals are ratios measured within this one run, because absolute numbers on a
 * shared 2-core machine say more about the neighbours than about the code.
 *
 *   npm run bench            (builds the deployment package dist/app, then: node dist/bench/run.js)
 *
 * Traffic goes only to the child host on localhost. Every loop is bounded by count and time, and
 * a watchdog ends the run (and the host) if it ever overruns.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CONTAINERS } from '../shared/config/entities.js';
import { demoTasks, DEMO_TASK_COUNT } from '../dev/demo-data.js';
import { coldStartGoals, measureColdStart, type ColdStartResult } from './cold-start.js';
import { startHost, type HostProcess } from './host.js';
import { interleave, request, runPhase, summarize, type Budget, type Op, type PhaseResult, type Summary } from './measure.js';
import { renderReport, type Environment, type Measurement, type ReportData } from './report.js';

const projectDir = resolve(import.meta.dirname, '..', '..');
const resultsPath = resolve(projectDir, 'bench', 'RESULTS.md');

/** Task count for the "large" point: 300 demo tasks plus ~2,000 more. */
const LARGE_TASK_COUNT = 2300;
/**
 * Each op's sequential and 8-client blocks alternate over several rounds, so both see the same
 * noise; fewer, longer rounds where single requests take hundreds of ms (the large point).
 */
const ROUNDS = 4;
const ROUNDS_LARGE = 2;
const CONCURRENCY = 8;
/**
 * Per variant, split evenly over the rounds. Each op first gets WARMUP untimed requests; each round
 * then repeats a short warm-up (a request per client) to re-open connections and refill the pipeline.
 */
const WARMUP = 10;
const SEQ: Budget = { warmup: 2, maxRequests: 200, maxMs: 4_000 };
const C8: Budget = { warmup: 8, maxRequests: 400, maxMs: 4_000 };
/** Lists and stats at the large size take ~10× longer per request: more time buys enough samples for a p95. */
const SEQ_LARGE: Budget = { ...SEQ, maxMs: 6_000 };
const C8_LARGE: Budget = { ...C8, maxMs: 6_000 };
/** Idle time before the final memory reading, so V8 can give back what the last blocks allocated. */
const IDLE_BEFORE_MEMORY_MS = 3_000;
/** Outage comparison: short alternating blocks (normal, failing) so drift cancels out. */
const FAULT_ROUNDS = 3;
const FAULT_BLOCK: Budget = { warmup: 3, maxRequests: 25, maxMs: 1_500 };
/**
 * If the host part (from starting the host) has taken this long, the remaining blocks shrink to a
 * token size. The cold start before it has its own bounds (bench/cold-start.ts).
 */
const SOFT_BUDGET_MS = 150_000;
/** Hard stop of the host part: end the host and the run, whatever is happening. */
const WATCHDOG_MS = 270_000;

const runStarted = performance.now();
let hostPartStarted = runStarted;
const overBudget = () => performance.now() - hostPartStarted > SOFT_BUDGET_MS;
const budget = (base: Budget): Budget => (overBudget() ? { warmup: Math.min(base.warmup, 3), maxRequests: 10, maxMs: 300 } : base);

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
    .map((line) => line.slice(3).trim());
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
  // First, while nothing else of the benchmark runs: fresh processes loading the deployment package.
  let coldStart: ColdStartResult;
  try {
    coldStart = await measureColdStart({ log });
  } catch (error) {
    console.error(`bench failed (cold start): ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
    return;
  }
  for (const figures of coldStart.processes) {
    log(`${figures.kind.padEnd(10)} n=${String(figures.n).padStart(2)}  min ${figures.minMs.toFixed(1).padStart(6)}  median ${figures.medianMs.toFixed(1).padStart(6)} ms`);
  }

  hostPartStarted = performance.now();
  log(`starting the local host (node ${env.node}, ${env.cpus})`);
  const host = await startHost(projectDir);
  const watchdog = setTimeout(() => {
    console.error(`bench: watchdog after ${WATCHDOG_MS / 1000} s; stopping the host.`);
    void host.dispose().finally(() => process.exit(2));
  }, WATCHDOG_MS);
  watchdog.unref();
  const stopOnSignal = (signal: NodeJS.Signals) => void host.dispose().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  try {
    const data = await measure(host, env, coldStart);
    env.loadAfter = os.loadavg();
    writeFileSync(resultsPath, renderReport(data));
    log(`wrote ${resultsPath}`);
    for (const goal of data.goals) log(`${goal.met === undefined ? 'info' : goal.met ? 'MET ' : 'MISS'} ${goal.name}: ${goal.value}`);
    // Missed goals are results, not failures; unexpected responses make the numbers themselves suspect.
    const errors = data.measurements.reduce((sum, measurement) => sum + measurement.summary.errors, 0);
    if (errors > 0) {
      console.error(`bench: ${errors} unexpected responses (see Notes in RESULTS.md); the numbers are suspect.`);
      process.exitCode = 1;
    }
  } catch (error) {
    console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n--- host log (tail) ---\n${host.logTail()}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await host.dispose();
  }
}

async function measure(host: HostProcess, env: Environment, coldStart: ColdStartResult): Promise<ReportData> {
  const api = `${host.baseUrl}/api/v1`;
  const auth = { authorization: `Bearer ${await host.token('manager')}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const cpuMs = () => host.cpuMs();
  const tasks = host.database.container(CONTAINERS.tasks.name);
  const countTasks = async () => (await tasks.items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll()).resources[0] ?? 0;
  const measurements: Measurement[] = [];
  const notes: string[] = [];

  /** Lets background work from the previous block (audit writer) finish, so it is not billed to the next. */
  const settle = async () => {
    if (!(await host.brokerIdle(20_000))) notes.push('The broker was still busy after 20 s at one settle point; later blocks share the CPU with that backlog.');
  };
  /** Untimed requests before an op's first block: JIT, caches, connections. */
  const warm = (op: Op, expect: readonly number[]) =>
    runPhase({ clients: 1, budget: { warmup: overBudget() ? 2 : WARMUP, maxRequests: 0, maxMs: 5_000 }, op, expect, cpuMs });
  const record = async (op: string, clients: number, result: PhaseResult) => {
    const summary = summarize(result);
    measurements.push({ op, clients, tasks: await countTasks(), summary, stoppedBy: [...result.stoppedBy] });
    if (result.errors > 0) notes.push(`${op} (${clients} client${clients === 1 ? '' : 's'}): ${result.errors} unexpected responses, e.g. ${result.errorExamples.join('; ')}`);
    log(`${op.padEnd(34)} ${String(clients).padStart(2)}c  n=${String(summary.n).padStart(4)}  p50 ${summary.p50.toFixed(1).padStart(6)}  p95 ${summary.p95.toFixed(1).padStart(6)}  p99 ${summary.p99.toFixed(1).padStart(6)} ms  ${summary.throughput.toFixed(0).padStart(4)} req/s`);
    return summary;
  };
  /** A sequential and an 8-client block of one op, interleaved over ROUNDS. */
  const seqAndConcurrent = async (name: string, op: Op, expect: readonly number[], large = false) => {
    const [seq, c8, rounds] = large ? [SEQ_LARGE, C8_LARGE, ROUNDS_LARGE] : [SEQ, C8, ROUNDS];
    await warm(op, expect);
    await settle();
    const results = await interleave(rounds, [
      { name: 'seq', run: () => runPhase({ clients: 1, budget: budget(split(seq, rounds)), op, expect, cpuMs }) },
      { name: 'c8', run: () => runPhase({ clients: CONCURRENCY, budget: budget(split(c8, rounds)), op, expect, cpuMs }) },
    ]);
    return { seq: await record(name, 1, results.get('seq')!), c8: await record(name, CONCURRENCY, results.get('c8')!) };
  };

  // --- Start: wait for the demo data's audit backlog, then take the baseline memory.
  if (!(await host.brokerIdle(60_000))) notes.push('The demo data audit backlog had not drained 60 s after start.');
  const memoryStart = host.memory();
  await host.runFunction('overdue-scan');
  await settle();
  const demoCount = await countTasks();

  // Tasks in the manager's scope with their ETags, for point reads and revalidation.
  const listed = JSON.parse((await request(`${api}/tasks?limit=100`, { headers: auth })).text) as { data: { id: string; etag: string }[] };
  const known = listed.data;
  if (known.length === 0) throw new Error('the manager sees no tasks: is the demo data seeded?');
  const pick = (i: number) => known[i % known.length]!;
  const getOp: Op = async (_, i) => (await request(`${api}/tasks/${pick(i).id}`, { headers: auth })).status;
  const get304Op: Op = async (_, i) => (await request(`${api}/tasks/${pick(i).id}`, { headers: { ...auth, 'if-none-match': pick(i).etag } })).status;
  const listOp = (limit: number): Op => async () => (await request(`${api}/tasks?limit=${limit}`, { headers: auth })).status;
  const statsOp: Op = async () => (await request(`${api}/tasks/stats`, { headers: auth })).status;

  // --- Reads at the demo size (300 tasks).
  log(`reads at ${demoCount} tasks`);
  await warm(getOp, [200]);
  await warm(get304Op, [304]);
  await settle();
  const gets = await interleave(ROUNDS, [
    { name: 'get', run: () => runPhase({ clients: 1, budget: budget(split(SEQ, ROUNDS)), op: getOp, expect: [200], cpuMs }) },
    { name: 'get304', run: () => runPhase({ clients: 1, budget: budget(split(SEQ, ROUNDS)), op: get304Op, expect: [304], cpuMs }) },
    { name: 'getC8', run: () => runPhase({ clients: CONCURRENCY, budget: budget(split(C8, ROUNDS)), op: getOp, expect: [200], cpuMs }) },
  ]);
  const getSmall = { seq: await record('GET /tasks/{id}', 1, gets.get('get')!), c8: await record('GET /tasks/{id}', CONCURRENCY, gets.get('getC8')!) };
  const get304 = await record('GET /tasks/{id} If-None-Match → 304', 1, gets.get('get304')!);
  const list20Small = await seqAndConcurrent('GET /tasks?limit=20', listOp(20), [200]);
  const list100Small = await seqAndConcurrent('GET /tasks?limit=100', listOp(100), [200]);
  const statsSmall = await seqAndConcurrent('GET /tasks/stats', statsOp, [200]);

  // --- Writes. Every created task is pending and unassigned (a manager's default), so it can be claimed later.
  log('writes');
  let caseSerial = 0;
  const claimable: string[] = [];
  const createTask = async () => {
    const reply = await request(`${api}/tasks`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        caseId: String(1_800_000_000_000_000 + caseSerial++),
        jurisdiction: 'IA',
        locationId: '765324',
        title: 'Benchmark task',
        priority: 'medium',
        dueDate: '2031-01-15T09:00:00Z',
      }),
    });
    if (reply.status === 201) {
      const id = (JSON.parse(reply.text) as { data: { id: string } }).data.id;
      claimable.push(id);
      return { status: reply.status, id, etag: reply.headers.get('etag')! };
    }
    return { status: reply.status, id: '', etag: '' };
  };
  const createOp: Op = async () => (await createTask()).status;
  const createSummary = await seqAndConcurrent('POST /tasks', createOp, [201]);

  // PATCH: one task per client, each client carrying its own ETag forward (If-Match is required).
  const patchTargets = await Promise.all(Array.from({ length: CONCURRENCY }, () => createTask()));
  for (const target of patchTargets) claimable.splice(claimable.indexOf(target.id), 1);
  const patchOpFor =
    (targets: { id: string; etag: string }[]): Op =>
    async (worker, i) => {
      const target = targets[worker % targets.length]!;
      const reply = await request(`${api}/tasks/${target.id}`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/merge-patch+json', 'if-match': target.etag },
        body: JSON.stringify({ title: `Benchmark task, revision ${i}` }),
      });
      if (reply.status === 200) target.etag = reply.headers.get('etag')!;
      return reply.status;
    };
  const patchSummary = await seqAndConcurrent('PATCH /tasks/{id} If-Match', patchOpFor(patchTargets), [200]);

  // --- Writes while Service Bus refuses every send, alternating with normal blocks. The failing
  // side patches one task throughout, as a busy task would be patched during an outage.
  log('writes with Service Bus failing vs normal');
  await settle();
  const [normalTask, outageTask] = await Promise.all([createTask(), createTask()]);
  for (const target of [normalTask, outageTask]) claimable.splice(claimable.indexOf(target.id), 1);
  const block = (clients: number, op: Op, expect: number[]) => () => runPhase({ clients, budget: budget(FAULT_BLOCK), op, expect, cpuMs });
  await host.setSendFaults(true);
  await warm(createOp, [201]);
  await host.setSendFaults(false);
  const faults = await interleave(FAULT_ROUNDS, [
    { name: 'createNormal', before: () => host.setSendFaults(false), run: block(1, createOp, [201]) },
    { name: 'patchNormal', run: block(1, patchOpFor([normalTask]), [200]) },
    { name: 'createFailing', before: () => host.setSendFaults(true), run: block(1, createOp, [201]) },
    { name: 'patchFailing', run: block(1, patchOpFor([outageTask]), [200]) },
  ]);
  await host.setSendFaults(false);
  const createNormal = await record('POST /tasks (Service Bus up)', 1, faults.get('createNormal')!);
  const createFailing = await record('POST /tasks (Service Bus failing)', 1, faults.get('createFailing')!);
  const patchNormal = await record('PATCH /tasks/{id} (Service Bus up)', 1, faults.get('patchNormal')!);
  const patchFailing = await record('PATCH /tasks/{id} (Service Bus failing)', 1, faults.get('patchFailing')!);
  const documentOf = async (id: string) => {
    const { resource } = await tasks.item(id, id).read<{ pendingEvents: unknown[] }>();
    return { bytes: Buffer.byteLength(JSON.stringify(resource ?? {})), pending: resource?.pendingEvents.length ?? 0 };
  };
  const outageDocument = await documentOf(outageTask.id);
  const normalDocument = await documentOf(normalTask.id);
  // Recovery: the relay publishes the outbox backlog once the broker is back.
  const relayStarted = performance.now();
  let backlog = Number.NaN;
  for (let attempt = 0; attempt < 10; attempt++) {
    await host.runFunction('outbox-relay');
    await settle();
    backlog = (await tasks.items.query<number>('SELECT VALUE COUNT(1) FROM c WHERE c.outboxSince != null').fetchAll()).resources[0] ?? 0;
    if (backlog === 0) break;
  }
  const relayMs = performance.now() - relayStarted;
  const afterRelayDocument = await documentOf(outageTask.id);

  // --- Claims, from the tasks the write blocks created; a block stops when they run out.
  log(`claims (${claimable.length} claimable tasks)`);
  let nextClaim = 0;
  const claimOp: Op = async () => {
    const id = claimable[nextClaim++];
    if (id === undefined) return undefined;
    return (await request(`${api}/tasks/${id}/claim`, { method: 'POST', headers: auth })).status;
  };
  const claimSummary = await seqAndConcurrent('POST /tasks/{id}/claim', claimOp, [200]);

  // --- Grow to LARGE_TASK_COUNT with more tasks from the demo data generator, written straight into
  // the embedded database: creating ~2,000 through the API would take a minute of the budget, and
  // only the reads at that size are being measured.
  const before = await countTasks();
  const missing = Math.max(0, LARGE_TASK_COUNT - before);
  log(`seeding ${missing} tasks directly (${before} → ${LARGE_TASK_COUNT})`);
  const extra = demoTasks(DEMO_TASK_COUNT + missing, new Date())
    .slice(DEMO_TASK_COUNT)
    // As if already relayed: their events are not what is measured, and the relay is not running.
    .map((task) => ({ ...task, pendingEvents: [], outboxSince: null }));
  for (let i = 0; i < extra.length; i += 16) await Promise.all(extra.slice(i, i + 16).map((task) => tasks.items.upsert(task)));
  await settle();
  const largeCount = await countTasks();

  // --- Reads at the large size. GET by id is the control: a point read should not care how many
  // tasks exist, so if it moved, the machine's load changed between the two points.
  log(`reads at ${largeCount} tasks`);
  const getLarge = await seqAndConcurrent('GET /tasks/{id}', getOp, [200]);
  const list20Large = await seqAndConcurrent('GET /tasks?limit=20', listOp(20), [200], true);
  const list100Large = await seqAndConcurrent('GET /tasks?limit=100', listOp(100), [200], true);
  const statsLarge = await seqAndConcurrent('GET /tasks/stats', statsOp, [200], true);

  await settle();
  await new Promise((wait) => setTimeout(wait, IDLE_BEFORE_MEMORY_MS));
  const memoryAfter = host.memory();
  // What the embedded database holds (journal + snapshot), to put the RSS growth in proportion.
  const databaseFilesMiB = directoryBytes(join(host.dataDir, 'cosmos')) / 2 ** 20;

  // --- Goals: ratios within this run.
  const sizeRatio = Math.round((largeCount / demoCount) * 10) / 10;
  const goals: ReportData['goals'] = [];
  // Rounded as displayed, so a goal is judged on the number the reader sees (1.30× is ≥ 1.3).
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  for (const [name, small, large] of [
    ['GET /tasks?limit=20', list20Small, list20Large],
    ['GET /tasks?limit=100', list100Small, list100Large],
    ['GET /tasks/stats', statsSmall, statsLarge],
  ] as const) {
    const r = ratio(large.seq.p95, small.seq.p95);
    goals.push({
      name: `${name} p95 at ${largeCount} vs ${demoCount} tasks (sequential)`,
      value: `${r.toFixed(2)}×`,
      goal: `≤ ${sizeRatio.toFixed(1)}× (no worse than linear in the task count; a full scan locally, see limitations)`,
      met: r <= sizeRatio,
    });
  }
  goals.push({
    name: `Control: GET /tasks/{id} p50 at ${largeCount} vs ${demoCount} tasks`,
    value: `${ratio(getLarge.seq.p50, getSmall.seq.p50).toFixed(2)}×`,
    goal: '≈ 1 (informational: a point read; far from 1 means the machine load changed between the two points)',
    met: undefined,
  });
  for (const [name, normal, failing] of [
    ['POST /tasks', createNormal, createFailing],
    ['PATCH /tasks/{id}', patchNormal, patchFailing],
  ] as const) {
    const r = ratio(failing.p95, normal.p95);
    goals.push({ name: `${name} p95, Service Bus failing vs up`, value: `${r.toFixed(2)}×`, goal: '≤ 1.5 (the outbox keeps writes fast when the broker is down)', met: r <= 1.5 });
  }
  {
    const r = ratio(get304.p50, getSmall.seq.p50);
    goals.push({ name: 'GET /tasks/{id} p50, If-None-Match (304) vs full (200)', value: `${r.toFixed(2)}×`, goal: '≤ 1.0 (revalidating must not cost more than reading)', met: r <= 1.0 });
  }
  for (const [name, pair] of [
    [`GET /tasks/{id}`, getSmall],
    [`GET /tasks?limit=20`, list20Small],
    [`GET /tasks?limit=100`, list100Small],
    [`GET /tasks/stats`, statsSmall],
    ['POST /tasks', createSummary],
    ['PATCH /tasks/{id}', patchSummary],
    ['POST /tasks/{id}/claim', claimSummary],
  ] as const) {
    const r = ratio(pair.c8.throughput, pair.seq.throughput);
    goals.push({ name: `${name} throughput, 8 clients vs 1`, value: `${r.toFixed(2)}×`, goal: '≥ 1.3 (2 cores)', met: r >= 1.3 });
  }
  if (memoryStart && memoryAfter) {
    const r = ratio(memoryAfter.rssMiB, memoryStart.rssMiB);
    goals.push({ name: 'Host RSS after the load (idle) vs at start', value: `${r.toFixed(2)}×`, goal: '≤ 2', met: r <= 2 });
    const peak = ratio(memoryAfter.peakMiB, memoryStart.rssMiB);
    goals.push({ name: 'Host peak RSS (VmHWM) during the run vs at start', value: `${peak.toFixed(2)}×`, goal: 'informational: the high-water mark during the load', met: undefined });
  }
  if (backlog !== 0) notes.push(`The outbox still held events of ${backlog} tasks after 10 relay runs.`);
  goals.push(...coldStartGoals(coldStart));
  notes.push(...coldStart.notes);

  return {
    env,
    measurements,
    goals,
    notes,
    memory: { start: memoryStart, after: memoryAfter, databaseFilesMiB },
    outage: {
      blocks: FAULT_ROUNDS,
      outageDocument,
      normalDocument,
      afterRelayDocument,
      relayMs,
      backlogAfterRelay: backlog,
    },
    sizes: { demo: demoCount, large: largeCount },
    coldStart,
    durationMs: performance.now() - runStarted,
  };
}

function directoryBytes(dir: string): number {
  try {
    return readdirSync(dir, { withFileTypes: true }).reduce(
      (sum, entry) => sum + (entry.isDirectory() ? directoryBytes(join(dir, entry.name)) : entry.isFile() ? statSync(join(dir, entry.name)).size : 0),
      0,
    );
  } catch {
    return Number.NaN;
  }
}

function split(base: Budget, rounds: number): Budget {
  return { warmup: base.warmup, maxRequests: Math.ceil(base.maxRequests / rounds), maxMs: base.maxMs / rounds };
}

export type { Summary };

await main();
