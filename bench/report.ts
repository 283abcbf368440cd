/** Renders bench/RESULTS.md from one run's measurements. */
import type { ColdStartResult, ProcessFigures } from './cold-start.js';
import type { Summary } from './measure.js';
import type { PipelineResult } from './pipeline.js';
import type { ScaleOp, ScaleResult } from './stats-scale.js';

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
  /** Tasks in the database of the host measured. */
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

/** Cosmos requests one API operation caused, counted by the embedded database. */
export interface OperationCost {
  operation: string;
  tasks: number;
  /** Requests on the request path (every container but the consumers'), min and max over the repeats. */
  requests: [number, number];
  /** Documents returned on the request path, min and max over the repeats. */
  documents: [number, number];
  /** Per container and operation, first repeat. */
  detail: string;
  /** What the event consumers (audit writer, task counters) did afterwards, off the request path. */
  consumers: string;
  note?: string;
}

export interface Throughput {
  path: 'host' | 'raw';
  connections: number;
  summary: Summary;
}

type Memory = { rssMiB: number; peakMiB: number } | undefined;

export interface ReportData {
  env: Environment;
  goals: Goal[];
  costs: OperationCost[];
  measurements: Measurement[];
  throughput: Throughput[];
  pipeline: PipelineResult;
  scale: ScaleResult;
  memory: { small: Memory; large: Memory; peakRssMiB: number };
  notes: string[];
  sizes: { small: number; large: number; reconcileMs: number };
  /** Measured first, before anything else runs (bench/cold-start.ts). */
  coldStart: ColdStartResult;
  durationMs: number;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const load = (values: number[]) => (values.length ? values.map((value) => value.toFixed(2)).join(' / ') : 'n/a');
const span = ([low, high]: [number, number]) => (low === high ? String(low) : `${low}-${high}`);
const cell = (text: string) => text.replaceAll('|', '\\|');

export function renderReport(data: ReportData): string {
  const { env, goals, costs, measurements, throughput, pipeline, scale, memory, notes, sizes, coldStart } = data;
  const met = goals.filter((goal) => goal.met === true).length;
  const judged = goals.filter((goal) => goal.met !== undefined).length;
  const cpu = (s: Summary) => (s.cpuMsPerRequest === undefined ? 'n/a' : s.cpuMsPerRequest.toFixed(2));
  return [
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
    'Goals are about the design: Cosmos round trips and documents read per operation (counted by the embedded database,',
    'so exact), whether stats stay flat from 2,000 to 200,000 tasks, what the HTTP pipeline adds to a handler, and',
    'what share of the database\'s own point-read throughput the whole host delivers. Timing goals are ratios within',
    'this run; `n` is next to every figure.',
    '',
    '| goal | value | target | met |',
    '| --- | --- | --- | --- |',
    ...goals.map((goal) => `| ${cell(goal.name)} | ${cell(goal.value)} | ${cell(goal.goal)} | ${goal.met === undefined ? 'info' : goal.met ? 'yes' : '**no**'} |`),
    '',
    '## Cosmos requests per operation',
    '',
    'Counted by the embedded database (`dev/cosmos` request observer, served at `GET/DELETE /admin/cosmos/requests` by the',
    'local host): every HTTP request the app\'s @azure/cosmos client sent, query plans and metadata reads included,',
    'after the caches were warm, each operation repeated (min-max over the repeats) with the broker idle before and after. A read',
    'causes no background work, so all it costs is its own; for a write, what the event consumers (audit writer, task counters)',
    'did afterwards in their containers is listed separately; for the overdue scan, its own queries and the flags on tasks are',
    'its cost, the counters\' reads and writes the consumer\'s.',
    '',
    '| operation | tasks | requests (min-max) | documents returned | by container and operation | then, off the request path (consumers) | note |',
    '| --- | ---: | ---: | ---: | --- | --- | --- |',
    ...costs.map((c) => `| ${cell(c.operation)} | ${c.tasks} | ${span(c.requests)} | ${span(c.documents)} | ${cell(c.detail)} | ${cell(c.consumers)} | ${cell(c.note ?? '')} |`),
    '',
    'Before this work (issue 13, counted the same way): GET by id 2 (a users-directory read, then the task); a list page 3',
    '(directory, query plan, query); PATCH 4 on tasks (the task read twice, replaced twice); GET /tasks/stats 19 (directory',
    'and nine COUNT queries, each with its plan, each a scan of the matching tasks); the overdue scan 16 + 4 per flagged task.',
    '',
    `## Stats and the overdue backlog at ${scale.sizes[0]} and ${scale.sizes[1]} tasks`,
    '',
    'In this process: the use cases the endpoint and the timer call (`taskStats`, `overdueBacklog`), through @azure/cosmos, against',
    'two embedded databases, one per size, alternating (small, large, small …). Tasks from the demo generator are imported',
    'straight into memory, and their counters are what a reconciliation writes for them (one ledger per case, totals as their',
    `sum); the reconciliation then runs at the small size and corrected ${scale.reconcileAtSmall.tasksCaughtUp} ledger entries and ${scale.reconcileAtSmall.totalsCorrected} totals.`,
    `Setup took ${(scale.setupMs / 1000).toFixed(1)} s.`,
    '',
    '| operation | tasks | n | p50 ms | p95 ms | requests per call | documents per call |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...scale.ops.map((o: ScaleOp) => `| ${cell(o.op)} | ${o.tasks} | ${o.n} | ${o.p50Ms.toFixed(2)} | ${o.p95Ms.toFixed(2)} | ${span(o.requests)} | ${span(o.documents)} |`),
    '',
    '## HTTP pipeline overhead',
    '',
    `\`runEndpoint\` for GET /tasks/{id} against the same endpoint\'s bare handler, in this process, ${pipeline.n} pairs alternating (which side`,
    'runs first alternates too), with the signing keys fetched, the token verified once and cached, the caller\'s directory entry',
    'cached, and the task served from memory on both sides so the database is in neither.',
    '',
    '| | n | median µs |',
    '| --- | ---: | ---: |',
    `| pipeline (correlation id, token, roles, directory scope, validation, handler, envelope, headers) | ${pipeline.n} | ${pipeline.pipelineMedianUs.toFixed(1)} |`,
    `| bare handler | ${pipeline.n} | ${pipeline.bareMedianUs.toFixed(1)} |`,
    `| difference, median of pairs (p95) | ${pipeline.n} | ${pipeline.overheadMedianUs.toFixed(1)} (${pipeline.overheadP95Us.toFixed(1)}) |`,
    `| CPU per call, pipeline minus bare | ${pipeline.n} | ${pipeline.cpuOverheadUs.toFixed(1)} |`,
    '',
    '## GET /tasks/{id} throughput: the host against the database alone',
    '',
    `Through the small host (${sizes.small} tasks; HTTP, functions host, pipeline, @azure/cosmos in the host, embedded database) against raw`,
    '@azure/cosmos point reads of the same tasks from the benchmark process to the same embedded database, blocks alternating',
    'at each connection count. Both paths end in the host process\'s event loop, where the database runs. The raw rate is',
    'set by the @azure/cosmos client in the benchmark process; a GET through the host runs the same client in the host for',
    'its own read, plus the HTTP hop and the Functions programming model, on the same 2 cores: host CPU per request is the',
    'measure of that (docs/adr/0006-request-path-round-trips.md, "Throughput through the local host").',
    '',
    '| path | connections | n | errors | req/s | p50 ms | p95 ms | p99 ms | host CPU ms/req |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...throughput.map(({ path, connections, summary: s }) => `| ${path === 'host' ? 'through the host' : 'raw point reads'} | ${connections} | ${s.n} | ${s.errors} | ${s.throughput.toFixed(0)} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${cpu(s)} |`),
    '',
    `Host memory: highest VmRSS sampled during these blocks ${memory.peakRssMiB.toFixed(0)} MiB; after 3 s idle, small host VmRSS ${memory.small ? memory.small.rssMiB.toFixed(0) : 'n/a'} MiB`,
    `(VmHWM ${memory.small ? memory.small.peakMiB.toFixed(0) : 'n/a'} MiB), large host ${memory.large ? memory.large.rssMiB.toFixed(0) : 'n/a'} MiB (VmHWM ${memory.large ? memory.large.peakMiB.toFixed(0) : 'n/a'} MiB).`,
    '',
    `## Latency and host CPU per request at ${sizes.small} and ${sizes.large} tasks`,
    '',
    `Real HTTP to two local hosts, one sequential client, blocks alternating between the hosts. The large host got ${sizes.large - sizes.small} tasks`,
    `from the demo generator written straight into its database, then its counters reconciliation was run by hand (${(sizes.reconcileMs / 1000).toFixed(1)} s).`,
    'Writes ran on the small host. Percentiles are nearest-rank over `n`; host CPU ms/req is the host\'s user + system CPU over',
    'the block (from /proc, 10 ms ticks) per request, background work the requests cause included.',
    '',
    '| operation | tasks | clients | n | errors | p50 ms | p95 ms | p99 ms | req/s | host CPU ms/req |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...measurements.map(({ op, clients, tasks, summary: s }) => `| ${cell(op)} | ${tasks} | ${clients} | ${s.n} | ${s.errors} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${s.throughput.toFixed(0)} | ${cpu(s)} |`),
    '',
    ...renderColdStart(coldStart),
    '## Local-only limitations',
    '',
    '- **Full scans.** The embedded database evaluates every query over all documents of its container (no indexes), so a',
    '  list page costs more with more tasks here even though it is the same two requests; in Cosmos DB the composite indexes',
    '  serve it. Stats read the totals container only (at most 28 small documents), which does not grow with the tasks.',
    '- **One process, one event loop.** Host, database and broker share one Node process; the benchmark client runs on the same',
    '  2 cores. Throughput is therefore compared with what the same database serves alone in the same run, not with more clients.',
    '- **fsync per write** in the local hosts\' database (`dev/cosmos`); the in-process databases above do not fsync.',
    '- Timers are moved out of the run (`OUTBOX_RELAY_SCHEDULE`, `OVERDUE_SCAN_SCHEDULE`, `COUNTERS_RECONCILE_SCHEDULE`) and run by',
    '  hand at fixed points; the `operations-dispatch` timer still runs each minute (one small query on `operations`, a',
    '  container no measured operation uses): a request count it falls into is taken again (listed under notes).',
    '',
    ...(notes.length > 0 ? ['## Notes from this run', '', ...notes.map((note) => `- ${note}`), ''] : []),
  ].join('\n');
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
