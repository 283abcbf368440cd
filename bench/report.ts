/** Renders bench/RESULTS.md from one run's measurements. */
import type { ColdStartResult, ProcessFigures } from './cold-start.js';
import type { Summary } from './measure.js';

export interface Environment {
  date: string;
  node: string;
  platform: string;
  cpus: string;
  memoryGiB: number;
  commit: string;
  loadBefore: number[];
  loadAfter: number[];
}

export interface Measurement {
  op: string;
  clients: number;
  /** Tasks in the database when the block ended. */
  tasks: number;
  summary: Summary;
  stoppedBy: string[];
}

export interface Goal {
  name: string;
  value: string;
  goal: string;
  /** undefined: informational, no pass/fail. */
  met: boolean | undefined;
}

interface DocumentSize {
  bytes: number;
  pending: number;
}

export interface ReportData {
  env: Environment;
  measurements: Measurement[];
  goals: Goal[];
  notes: string[];
  memory: { start: { rssMiB: number; peakMiB: number } | undefined; after: { rssMiB: number; peakMiB: number } | undefined; databaseFilesMiB: number };
  outage: {
    blocks: number;
    outageDocument: DocumentSize;
    normalDocument: DocumentSize;
    afterRelayDocument: DocumentSize;
    relayMs: number;
    backlogAfterRelay: number;
  };
  sizes: { demo: number; large: number };
  /** Measured first, before the local host starts (bench/cold-start.ts). */
  coldStart: ColdStartResult;
  durationMs: number;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const load = (values: number[]) => (values.length ? values.map((value) => value.toFixed(2)).join(' / ') : 'n/a');

export function renderReport(data: ReportData): string {
  const { env, measurements, goals, notes, memory, outage, sizes, coldStart } = data;
  const met = goals.filter((goal) => goal.met === true).length;
  const judged = goals.filter((goal) => goal.met !== undefined).length;
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);

  push(
    '# Benchmark results',
    '',
    'Written by `npm run bench` (= `npm run -s package && node --enable-source-maps dist/bench/run.js`); rerun it rather than editing this file.',
    '',
    '## Environment',
    '',
    '| | |',
    '| --- | --- |',
    `| date | ${env.date} |`,
    `| commit | ${env.commit} |`,
    `| command | \`npm run bench\` |`,
    `| node | ${env.node} |`,
    `| OS | ${env.platform} |`,
    `| CPUs | ${env.cpus} |`,
    `| memory | ${env.memoryGiB.toFixed(1)} GiB |`,
    `| load average 1/5/15 min, before → after | ${load(env.loadBefore)} → ${load(env.loadAfter)} |`,
    `| run time (excluding the package build) | ${(data.durationMs / 1000).toFixed(0)} s, of which cold start ${(coldStart.durationMs / 1000).toFixed(0)} s |`,
    '',
    `## Goals: ${met} of ${judged} met`,
    '',
    'Every timing goal is a ratio between two measurements of this run, so the machine\'s speed and its neighbours\' load largely',
    'cancel out; the deployment package\'s size and file count are the only absolute limits.',
    '',
    '| ratio | value | goal | met |',
    '| --- | --- | --- | --- |',
    ...goals.map((goal) => `| ${goal.name} | ${goal.value} | ${goal.goal} | ${goal.met === undefined ? 'info' : goal.met ? 'yes' : '**no**'} |`),
    '',
    '## How to read this',
    '',
    '- All traffic is real HTTP to the local host started as a child process (`dist/dev/start.js`, which runs the',
    '  deployment package `dist/app` built by `npm run package`, the folder azd deploys) on a free',
    '  localhost port with a fresh data folder, with a manager token from the dev issuer: routing, token',
    '  verification, the users-directory lookup, validation, the embedded database with its fsync, the outbox',
    '  publish to the embedded broker and the audit writer consuming the events all run as they do under `npm start`.',
    '- Latency is measured by the client from sending the request to reading the last byte of the body.',
    '  Percentiles are nearest-rank over `n` timed requests; with n of a few hundred or less the p99 is one',
    '  of the few slowest requests, so read it as "the tail", not as a precise number.',
    '- Warm-up is excluded: 10 untimed requests per operation before its first block, and a few more (one per',
    '  client) at the start of every block.',
    '- Each block is bounded by a request count and a time budget (whichever comes first); sequential and',
    '  8-client blocks of an op alternate (A B A B …, 4 rounds; 2 at the large point), and so do the Service',
    '  Bus up/failing blocks, so both sides of a ratio see the same moments of machine noise.',
    '- **req/s** is completed requests over the timed wall time. **host CPU ms/req** is the host process\'s',
    '  user+system CPU time over the block divided by its requests (from /proc, 10 ms ticks); it includes',
    '  background work the requests cause (the audit writer) and is steadier than latency on a busy machine.',
    '- Between blocks the benchmark waits until the broker is idle, so one block\'s background work is not billed to the next.',
    '- The outbox relay and the overdue scan timers are set to a schedule that does not fire during a run',
    '  (`OUTBOX_RELAY_SCHEDULE`, `OVERDUE_SCAN_SCHEDULE`); both are run by hand at fixed points instead',
    '  (the scan once at start, the relay after the outage blocks), so a tick cannot land in one side of a ratio.',
    `- The "large" point (${sizes.large} tasks) adds tasks from the demo data generator (same mix of jurisdictions,`,
    '  statuses and due dates) written straight into the embedded database; creating them through the API would',
    '  take about a minute of the run. Only the reads at that size are measured.',
    '- Compare runs by their ratios and CPU per request, not by absolute milliseconds.',
    '',
    '## Latency and throughput',
    '',
    '`tasks` is the number of tasks in the database after the op\'s blocks. `host cores` is req/s × host CPU',
    'ms/req: how much CPU the host burnt to sustain that rate. Near 1.0 the host is saturated, because its',
    'JavaScript (API, database and broker alike) runs on one event loop; only fsync, GC and I/O use other threads.',
    '',
    '| operation | clients | tasks | n | errors | p50 ms | p95 ms | p99 ms | req/s | host CPU ms/req | host cores |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...measurements.map(({ op, clients, tasks, summary: s, stoppedBy }) => {
      const exhausted = stoppedBy.includes('exhausted') ? ' (ran out of tasks)' : '';
      const cpu = s.cpuMsPerRequest === undefined ? ['n/a', 'n/a'] : [s.cpuMsPerRequest.toFixed(1), ((s.cpuMsPerRequest * s.throughput) / 1000).toFixed(2)];
      return `| ${op.replaceAll('|', '\\|')}${exhausted} | ${clients} | ${tasks} | ${s.n} | ${s.errors} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${s.throughput.toFixed(0)} | ${cpu[0]} | ${cpu[1]} |`;
    }),
    '',
    '## Memory of the host process',
    '',
    '| when | VmRSS | VmHWM (peak RSS so far) |',
    '| --- | ---: | ---: |',
    `| at start (demo data loaded, its audit backlog drained, idle) | ${memory.start ? memory.start.rssMiB.toFixed(0) : 'n/a'} MiB | ${memory.start ? memory.start.peakMiB.toFixed(0) : 'n/a'} MiB |`,
    `| after the load (${sizes.large} tasks, broker idle, then 3 s idle) | ${memory.after ? memory.after.rssMiB.toFixed(0) : 'n/a'} MiB | ${memory.after ? memory.after.peakMiB.toFixed(0) : 'n/a'} MiB |`,
    '',
    'The embedded database and broker keep everything in the host\'s memory (tasks, audit records, and every',
    'event in the `notifications` subscription, which nothing consumes yet), so RSS grows with the data the',
    `run writes: at the end the database files (journal + snapshot) held ${memory.databaseFilesMiB.toFixed(1)} MiB of JSON. In Azure`,
    'that data lives in Cosmos DB and Service Bus, not in the function app, so this ratio overstates the',
    'app\'s own growth; a leak would show as RSS growing while the data does not.',
    '',
    ...renderColdStart(coldStart),
    '## Service Bus outage',
    '',
    `- While sends failed, one task was patched ${outage.outageDocument.pending} times (warm-up included): its document grew to`,
    `  ${kib(outage.outageDocument.bytes)} with ${outage.outageDocument.pending} events in its outbox, against ${kib(outage.normalDocument.bytes)}`,
    `  (${outage.normalDocument.pending} pending) for a task patched while the broker was up. Each event carries the task before and after,`,
    '  so an outage makes every write to a busy task larger (and Cosmos DB caps a document at 2 MB).',
    `- Once the broker was back, the relay drained the backlog in ${(outage.relayMs / 1000).toFixed(1)} s including the audit writer`,
    `  catching up (${outage.backlogAfterRelay} tasks still pending); that task\'s document is back to ${kib(outage.afterRelayDocument.bytes)}.`,
    '',
    '## Local-only limitations',
    '',
    '- **Full scans.** The embedded database (`@vercel/cosmosdb-server`) evaluates every query, ORDER BY and',
    '  COUNT over all documents of the container; it has no indexes. List and stats latency therefore grows',
    '  with the number of tasks here. Real Cosmos DB serves these from the indexing policy and composite',
    '  indexes (`shared/store/container-definitions.ts`), where the cost follows the page size and RU budget',
    '  instead. The scaling ratios above describe the local host, not Azure. The embedded engine\'s cost per',
    '  scanned document also rises with the container\'s size (and the host\'s heap with it), so the nine',
    '  scans of a stats call (below) grow faster than linearly here.',
    '- **fsync per write.** Every write is appended to a journal and fdatasync\'d before the response',
    '  (`dev/cosmos`), and the broker persists its messages in the same database; a create or PATCH makes',
    '  several such writes (the task, the outbox clean-up, the broker message, the audit record). Write',
    '  latency therefore follows this machine\'s disk; concurrent writers share a group commit.',
    '- **One process, one event loop.** Host, database, broker and audit writer share one Node process,',
    '  and the benchmark client runs on the same 2 cores. When one sequential client already keeps the host',
    '  busy for most of each second (`host cores` near 0.8-0.9 above), 8 clients cannot add much: the 8-vs-1',
    '  throughput ratio is capped near 1 / (sequential host cores). In Azure, Functions scale out instances.',
    '- **The local broker fails fast.** With `failSends` it refuses each send at once (503). A real outage can',
    '  also look like timeouts: the Azure adapter (`shared/messaging/service-bus-messaging.ts`) retries twice',
    '  with a 10 s timeout, and that wait would sit inside the request. This benchmark cannot show that case.',
    '- **Stats is nine queries.** `GET /tasks/stats` runs one COUNT per status, per priority and for',
    '  overdue (`TaskRepository.counts`), so locally it is nine full scans per call; in Azure, nine queries\' RUs.',
    '- Timers are moved out of the run (see above); the `operations-dispatch` timer still runs each minute',
    '  (one small query).',
    '',
  );
  if (notes.length > 0) push('## Notes from this run', '', ...notes.map((note) => `- ${note}`), '');
  return lines.join('\n');
}

const list = (values: readonly number[]) => (values.length ? values.join(' / ') : 'n/a');

/**
 * The cold-start and package-size section: its measurements table, the package's make-up and how
 * to read them. Also printed on its own by `node dist/bench/cold-start.js`. Ends with a blank line.
 */
export function renderColdStart(result: ColdStartResult): string[] {
  const eager = result.processes.find((figures) => figures.kind === 'eager');
  const floor = result.processes.find((figures) => figures.kind === 'floor');
  const pkg = result.processes.find((figures) => figures.kind === 'package');
  const vs = (figures: ProcessFigures, key: 'minMs' | 'medianMs') => (eager ? `${(figures[key] / eager[key]).toFixed(2)}×` : 'n/a');
  const letter = (index: number) => String.fromCharCode(65 + index);
  const { size } = result;
  return [
    '## Cold start and deployment package',
    '',
    `Fresh \`node\` processes, timed from spawn to exit by the benchmark process, before the local host starts. The four kinds`,
    `were spawned in turn (${result.processes.map((_, index) => letter(index)).join(' ')} ${result.processes.map((_, index) => letter(index)).join(' ')} …) for ${result.rounds} rounds after ${result.warmupRounds} untimed round; min and median (nearest-rank) over \`n\` processes.`,
    '',
    '| | process | n | min ms | median ms | max ms | min vs comparator | median vs comparator | in-process load, median ms | CommonJS modules in require.cache | functions registered |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.processes.map(
      (figures, index) =>
        `| ${letter(index)} | ${figures.label} (\`${figures.command}\`) | ${figures.n} | ${ms(figures.minMs)} | ${ms(figures.medianMs)} | ${ms(figures.maxMs)} | ${vs(figures, 'minMs')} | ${vs(figures, 'medianMs')} | ${figures.inProcessMedianMs === undefined ? 'n/a' : ms(figures.inProcessMedianMs)} | ${figures.kind === 'floor' ? 'n/a' : list(figures.commonJsModules)} | ${figures.kind === 'package' || figures.kind === 'telemetry' ? `${list(figures.functionsRegistered)} of ${result.expectedFunctions}` : 'n/a'} |`,
    ),
    '',
    `| deployment package (\`${size.dir}\`) | |`,
    '| --- | ---: |',
    `| files | ${size.files} (of which ${size.sourceMapFiles} source maps) |`,
    `| total size | ${(size.bytes / 2 ** 20).toFixed(2)} MiB (of which source maps ${(size.sourceMapBytes / 2 ** 20).toFixed(2)} MiB) |`,
    `| \`${size.entry}\` (the bundle of every function, loaded by index.js) | ${kib(size.entryBytes)} |`,
    `| deferred modules (\`deferred/*.js\`, SDKs loaded on first use) | ${size.deferredModules}, ${(size.deferredBytes / 2 ** 20).toFixed(2)} MiB |`,
    '',
    '- **Wall time** covers the whole child: Node\'s own start-up, loading, and exit. **In-process load** is',
    '  what the child timed itself: for the package, importing the entry file and asking the programming',
    '  model for its capabilities; for the comparator, the imports. The rest is Node start-up and exit,',
    `  roughly the floor (${floor ? `${ms(floor.medianMs)} ms median for \`node -e 0\`` : 'the `node -e 0` row'}).`,
    '- The package is loaded the way the Azure Functions Node.js worker loads it',
    '  (`tests/fixtures/package/load-as-worker.mjs`: the `@azure/functions-core` require proxy, then an import',
    `  of package.json \`main\`). Every load must register as many functions as \`functions/\` has .ts files (${result.expectedFunctions}),`,
    '  or the benchmark fails.',
    `- The comparator (\`bench/fixtures/eager-imports.mjs\`, run from the repository root) imports ${result.eagerModules.map((name) => `\`${name}\``).join(', ') || 'the SDKs'}`,
    '  unbundled from node_modules, all eagerly. It runs no app code and registers nothing, so an unbundled app',
    '  that imported its SDKs at start would take at least this long: if anything, the ratios understate the difference.',
    '- The connection-string row sets `APPLICATIONINSIGHTS_CONNECTION_STRING` to an endpoint on a closed loopback',
    '  port (`127.0.0.1:9`), so telemetry is configured but nothing is reachable. The app defers the Application',
    '  Insights SDK until after its first invocation (`shared/telemetry/app-insights.ts`), so this row should stay',
    `  close to the package's own${pkg ? ` (${ms(pkg.medianMs)} ms median)` : ''}; if it does not, the SDK (or part of it) loads at start.`,
    '- **CommonJS modules** is `Object.keys(require.cache).length` at the end of the child. ES modules never',
    '  appear in `require.cache`: the bundle and its deferred modules are ES modules, and so are the ESM builds the',
    '  comparator\'s imports resolve to (for example `jose`, `zod`, `@azure/cosmos`, `@azure/identity`), so the',
    '  comparator\'s count understates what it loads, and the package\'s count says how much CommonJS it loads, not how much code.',
    '- Every child runs with no Node flags (no `--enable-source-maps`), without `NODE_OPTIONS`, and without',
    '  `APPLICATIONINSIGHTS_CONNECTION_STRING` except in its own row; each is killed after 30 s. The size figures',
    '  count every file in the package folder (`packageFiles` of `dev/package/layout.ts`), source maps included.',
    '',
  ];
}
