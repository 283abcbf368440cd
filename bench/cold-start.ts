/**
 * Cold start and size of the deployment package, measured against an eager-import comparator.
 *
 *   node dist/bench/cold-start.js      (after `npm run package` and `npx tsc -p tsconfig.json`; ~15 s)
 *
 * Run alone it prints its goals and its RESULTS.md section; `npm run bench` (bench/run.ts) runs it
 * first, before the local host starts, so nothing else of the benchmark is running meanwhile.
 *
 * Four kinds of fresh `node` process, spawned in turn (A B C D A B C D …) so all four see the same
 * moments of machine noise, each timed by this process from spawn to exit:
 *   A. the deployment package (dist/app) loaded as the Functions worker loads it, every function registered;
 *   B. the comparator: the app's SDKs and libraries imported eagerly, unbundled, from node_modules;
 *   C. A with an Application Insights connection string (to an unreachable loopback endpoint);
 *   D. `node -e 0`: the floor, what any Node process costs here.
 * Goals are ratios within the run (A vs B, C vs B), never absolute times.
 *
 * Bounded: at most MAX_ROUNDS rounds, no new round after SOFT_BUDGET_MS once MIN_ROUNDS are done,
 * none at all after HARD_BUDGET_MS, and each child is killed after CHILD_TIMEOUT_MS.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PACKAGE_BUNDLE, PACKAGE_DEFERRED_DIR, PACKAGE_DIR, REPO_DIR, packageFiles } from '../dev/package/layout.js';
import { percentile } from './measure.js';
import { renderColdStart, type Goal } from './report.js';

/** Loads a package folder the way the Azure Functions Node.js worker does (shared with the package tests). */
const LOAD_AS_WORKER = join(REPO_DIR, 'tests', 'fixtures', 'package', 'load-as-worker.mjs');
/** The comparator: eager, unbundled imports from node_modules (run from the repository root). */
const EAGER_IMPORTS = join(REPO_DIR, 'bench', 'fixtures', 'eager-imports.mjs');
const FUNCTIONS_DIR = join(REPO_DIR, 'functions');

/** A connection string whose endpoints are a closed loopback port: telemetry configured, nothing reachable. */
export const UNREACHABLE_CONNECTION_STRING =
  'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/;LiveEndpoint=http://127.0.0.1:9/';

const MIN_ROUNDS = 10;
const MAX_ROUNDS = 12;
/** One untimed round first: pages the files into the OS cache for every kind alike. */
const WARMUP_ROUNDS = 1;
const SOFT_BUDGET_MS = 45_000;
const HARD_BUDGET_MS = 90_000;
const CHILD_TIMEOUT_MS = 30_000;
/** Each child prints one short JSON line; anything past this is cut off (and would fail the parse). */
const MAX_OUTPUT_BYTES = 1 << 20;

/** Goals (ratios of medians, this run): the package against the comparator. */
export const GOAL_PACKAGE_VS_EAGER = 0.25;
export const GOAL_TELEMETRY_VS_EAGER = 0.5;
/** Goals (absolute, not timing): what azd uploads and the Functions host unpacks. */
export const GOAL_PACKAGE_MIB = 25;
export const GOAL_PACKAGE_FILES = 400;

export type ProcessKind = 'package' | 'eager' | 'telemetry' | 'floor';

export interface ProcessFigures {
  kind: ProcessKind;
  label: string;
  command: string;
  /** Timed processes (warm-up excluded). */
  n: number;
  minMs: number;
  medianMs: number;
  maxMs: number;
  /** Load time the child measured itself (package: import + capabilities; comparator: the imports), median. */
  inProcessMedianMs: number | undefined;
  /** require.cache keys at the end of the child: CommonJS modules only (distinct values seen). */
  commonJsModules: number[];
  /** Functions registered (distinct values seen); only for package loads. */
  functionsRegistered: number[];
}

export interface PackageSize {
  dir: string;
  files: number;
  bytes: number;
  sourceMapFiles: number;
  sourceMapBytes: number;
  entry: string;
  entryBytes: number;
  deferredModules: number;
  deferredBytes: number;
}

export interface ColdStartResult {
  rounds: number;
  warmupRounds: number;
  /** In spawn order within a round: package, comparator, package + connection string, floor. */
  processes: ProcessFigures[];
  /** The .ts files in functions/: the number of functions every package load must register. */
  expectedFunctions: number;
  eagerModules: string[];
  size: PackageSize;
  notes: string[];
  durationMs: number;
}

interface Variant {
  kind: ProcessKind;
  label: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

interface ChildRun {
  ms: number;
  stdout: string;
  stderr: string;
}

/** Same rounding as the other goals: judged on the number the reader sees. */
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const mib = (bytes: number) => bytes / 2 ** 20;

export function functionFiles(): string[] {
  return readdirSync(FUNCTIONS_DIR)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort();
}

export function measurePackageSize(dir: string = PACKAGE_DIR): PackageSize {
  const files = packageFiles(dir).map((path) => ({ path, bytes: statSync(path).size }));
  const maps = files.filter((file) => file.path.endsWith('.map'));
  const deferred = files.filter((file) => relative(dir, file.path).startsWith(PACKAGE_DEFERRED_DIR + sep) && file.path.endsWith('.js'));
  const entry = files.find((file) => relative(dir, file.path) === PACKAGE_BUNDLE);
  const sum = (list: { bytes: number }[]) => list.reduce((total, file) => total + file.bytes, 0);
  return {
    dir: relative(REPO_DIR, dir) || dir,
    files: files.length,
    bytes: sum(files),
    sourceMapFiles: maps.length,
    sourceMapBytes: sum(maps),
    entry: PACKAGE_BUNDLE,
    entryBytes: entry?.bytes ?? Number.NaN,
    deferredModules: deferred.length,
    deferredBytes: sum(deferred),
  };
}

/** Spawns one fresh `node` and times it from spawn to exit; rejects on a non-zero exit or a timeout. */
function timeChild(variant: Variant): Promise<ChildRun> {
  return new Promise((done, fail) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let exitedAt: number | undefined;
    let timedOut = false;
    const started = performance.now();
    const child = spawn(process.execPath, variant.args, { cwd: variant.cwd, env: variant.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes < MAX_OUTPUT_BYTES) out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < MAX_OUTPUT_BYTES) err.push(chunk);
      errBytes += chunk.length;
    });
    // The process's end, not its pipes': 'close' can come a little later, once the pipes drain.
    child.once('exit', () => (exitedAt = performance.now()));
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = (exitedAt ?? performance.now()) - started;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) return fail(new Error(`${variant.command} did not exit within ${CHILD_TIMEOUT_MS / 1000} s:\n${tail(stderr)}`));
      if (code !== 0) return fail(new Error(`${variant.command} exited with ${code ?? signal}:\n${tail(stderr || stdout)}`));
      done({ ms, stdout, stderr });
    });
  });
}

const tail = (text: string, lines = 20) => text.trimEnd().split('\n').slice(-lines).join('\n');

/** The last line of a child's stdout, parsed as the one JSON line the fixtures print. */
function lastJsonLine<T>(run: ChildRun, command: string): T {
  const line = run.stdout.trimEnd().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${command} printed no JSON line:\n${tail(run.stdout)}\n${tail(run.stderr)}`);
  }
}

interface WorkerLoad {
  functions: { name: string }[];
  loadMs: number;
  commonJsModules: number;
}

interface EagerLoad {
  modules: string[];
  loadMs: number;
  commonJsModules: number;
}

export async function measureColdStart(options: { log?: (line: string) => void } = {}): Promise<ColdStartResult> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  if (!existsSync(join(PACKAGE_DIR, 'package.json'))) {
    throw new Error(`No deployment package in ${PACKAGE_DIR}: build it with \`npm run package\` (npm run bench does).`);
  }
  const expected = functionFiles();
  if (expected.length === 0) throw new Error(`no .ts files in ${FUNCTIONS_DIR}`);

  // Every child gets the same environment: no Node flags, and no connection string unless it is the point.
  const { APPLICATIONINSIGHTS_CONNECTION_STRING: _connectionString, NODE_OPTIONS: _nodeOptions, ...baseEnv } = process.env;
  const packageArg = relative(REPO_DIR, PACKAGE_DIR) || PACKAGE_DIR;
  const variants: Variant[] = [
    {
      kind: 'package',
      label: 'Deployment package: load and register every function',
      command: `node ${relative(REPO_DIR, LOAD_AS_WORKER)} ${packageArg}`,
      args: [LOAD_AS_WORKER, PACKAGE_DIR],
      cwd: PACKAGE_DIR,
      env: baseEnv,
    },
    {
      kind: 'eager',
      label: 'Comparator: eager unbundled imports from node_modules',
      command: `node ${relative(REPO_DIR, EAGER_IMPORTS)}`,
      args: [EAGER_IMPORTS],
      cwd: REPO_DIR,
      env: baseEnv,
    },
    {
      kind: 'telemetry',
      label: 'Deployment package with APPLICATIONINSIGHTS_CONNECTION_STRING (unreachable endpoint)',
      command: `APPLICATIONINSIGHTS_CONNECTION_STRING=… node ${relative(REPO_DIR, LOAD_AS_WORKER)} ${packageArg}`,
      args: [LOAD_AS_WORKER, PACKAGE_DIR],
      cwd: PACKAGE_DIR,
      env: { ...baseEnv, APPLICATIONINSIGHTS_CONNECTION_STRING: UNREACHABLE_CONNECTION_STRING },
    },
    { kind: 'floor', label: 'Floor: bare node', command: 'node -e 0', args: ['-e', '0'], cwd: REPO_DIR, env: baseEnv },
  ];

  const samples = new Map<ProcessKind, { ms: number[]; inProcessMs: number[]; commonJs: Set<number>; registered: Set<number> }>(
    variants.map((variant) => [variant.kind, { ms: [], inProcessMs: [], commonJs: new Set(), registered: new Set() }]),
  );
  const notes: string[] = [];
  let eagerModules: string[] = [];
  const missingFunctions = new Set<string>();
  const unexpectedFunctions = new Set<string>();
  const expectedNames = new Set(expected.map((file) => basename(file, '.ts')));

  const runOnce = async (variant: Variant, record: boolean) => {
    const run = await timeChild(variant);
    const sample = samples.get(variant.kind)!;
    if (variant.kind === 'package' || variant.kind === 'telemetry') {
      const load = lastJsonLine<WorkerLoad>(run, variant.command);
      // Checked on every load, warm-up included: a package that loses a function must not produce a figure.
      const names = new Set(load.functions.map((fn) => fn.name));
      if (load.functions.length !== expected.length) {
        const missing = [...expectedNames].filter((name) => !names.has(name));
        const extra = [...names].filter((name) => !expectedNames.has(name));
        throw new Error(
          `${variant.command} registered ${load.functions.length} functions, but functions/ has ${expected.length} .ts files ` +
            `(not registered: ${missing.join(', ') || 'none'}; registered but not a file name: ${extra.join(', ') || 'none'}). ` +
            'Is dist/app stale? Rebuild it with `npm run package`.',
        );
      }
      for (const name of expectedNames) if (!names.has(name)) missingFunctions.add(name);
      for (const name of names) if (!expectedNames.has(name)) unexpectedFunctions.add(name);
      if (!record) return;
      sample.inProcessMs.push(load.loadMs);
      sample.commonJs.add(load.commonJsModules);
      sample.registered.add(load.functions.length);
    } else if (variant.kind === 'eager') {
      const load = lastJsonLine<EagerLoad>(run, variant.command);
      eagerModules = load.modules;
      if (!record) return;
      sample.inProcessMs.push(load.loadMs);
      sample.commonJs.add(load.commonJsModules);
    }
    if (record) sample.ms.push(run.ms);
  };

  log(`cold start: ${WARMUP_ROUNDS} untimed round, then ${MIN_ROUNDS}-${MAX_ROUNDS} rounds of ${variants.map((variant) => variant.kind).join(', ')}`);
  for (let round = 0; round < WARMUP_ROUNDS; round++) for (const variant of variants) await runOnce(variant, false);
  let rounds = 0;
  for (; rounds < MAX_ROUNDS; rounds++) {
    const elapsed = performance.now() - started;
    if (elapsed > HARD_BUDGET_MS || (rounds >= MIN_ROUNDS && elapsed > SOFT_BUDGET_MS)) break;
    for (const variant of variants) await runOnce(variant, true);
  }
  if (rounds < MIN_ROUNDS) notes.push(`Cold start: only ${rounds} rounds fitted in ${HARD_BUDGET_MS / 1000} s (at least ${MIN_ROUNDS} wanted); the machine was very busy.`);
  if (missingFunctions.size > 0 || unexpectedFunctions.size > 0) {
    notes.push(
      `Cold start: the package registered as many functions as functions/ has files, but under other names ` +
        `(not registered: ${[...missingFunctions].join(', ') || 'none'}; not a file name: ${[...unexpectedFunctions].join(', ') || 'none'}).`,
    );
  }

  const processes = variants.map((variant): ProcessFigures => {
    const sample = samples.get(variant.kind)!;
    return {
      kind: variant.kind,
      label: variant.label,
      command: variant.command,
      n: sample.ms.length,
      minMs: Math.min(...sample.ms),
      medianMs: percentile(sample.ms, 50),
      maxMs: Math.max(...sample.ms),
      inProcessMedianMs: sample.inProcessMs.length ? percentile(sample.inProcessMs, 50) : undefined,
      commonJsModules: [...sample.commonJs].sort((a, b) => a - b),
      functionsRegistered: [...sample.registered].sort((a, b) => a - b),
    };
  });
  return {
    rounds,
    warmupRounds: WARMUP_ROUNDS,
    processes,
    expectedFunctions: expected.length,
    eagerModules,
    size: measurePackageSize(),
    notes,
    durationMs: performance.now() - started,
  };
}

export function figuresOf(result: ColdStartResult, kind: ProcessKind): ProcessFigures {
  const figures = result.processes.find((candidate) => candidate.kind === kind);
  if (!figures) throw new Error(`no ${kind} figures`);
  return figures;
}

export function coldStartGoals(result: ColdStartResult): Goal[] {
  const pkg = figuresOf(result, 'package');
  const eager = figuresOf(result, 'eager');
  const telemetry = figuresOf(result, 'telemetry');
  const floor = figuresOf(result, 'floor');
  const versus = (a: ProcessFigures, b: ProcessFigures) => {
    const median = ratio(a.medianMs, b.medianMs);
    const min = ratio(a.minMs, b.minMs);
    return {
      median,
      value: `${median.toFixed(2)}× median (${a.medianMs.toFixed(0)} vs ${b.medianMs.toFixed(0)} ms); ${min.toFixed(2)}× min (${a.minMs.toFixed(0)} vs ${b.minMs.toFixed(0)} ms); n = ${a.n} vs ${b.n}`,
    };
  };
  const packageVsEager = versus(pkg, eager);
  const telemetryVsEager = versus(telemetry, eager);
  const aboveFloor = ratio(pkg.medianMs - floor.medianMs, eager.medianMs - floor.medianMs);
  const { size } = result;
  return [
    {
      name: 'Cold start: deployment package (load + register every function) vs eager unbundled imports, fresh process, spawn to exit',
      value: packageVsEager.value,
      goal: `≤ ${GOAL_PACKAGE_VS_EAGER} (median to median)`,
      met: packageVsEager.median <= GOAL_PACKAGE_VS_EAGER,
    },
    {
      name: 'Cold start: deployment package with an Application Insights connection string vs eager unbundled imports',
      value: telemetryVsEager.value,
      goal: `≤ ${GOAL_TELEMETRY_VS_EAGER} (median to median)`,
      met: telemetryVsEager.median <= GOAL_TELEMETRY_VS_EAGER,
    },
    {
      name: 'Cold start above bare `node -e 0`: deployment package vs eager unbundled imports',
      value: `${aboveFloor.toFixed(2)}× median (${(pkg.medianMs - floor.medianMs).toFixed(0)} vs ${(eager.medianMs - floor.medianMs).toFixed(0)} ms above a ${floor.medianMs.toFixed(0)} ms floor); n = ${pkg.n}, ${eager.n}, ${floor.n}`,
      goal: 'informational: the part of a cold start the code controls',
      met: undefined,
    },
    {
      name: `Deployment package size (${size.dir})`,
      value: `${mib(size.bytes).toFixed(1)} MiB (of which source maps ${mib(size.sourceMapBytes).toFixed(1)} MiB)`,
      goal: `≤ ${GOAL_PACKAGE_MIB} MiB`,
      met: mib(size.bytes) <= GOAL_PACKAGE_MIB,
    },
    {
      name: `Deployment package files (${size.dir})`,
      value: `${size.files} (of which ${size.sourceMapFiles} source maps)`,
      goal: `≤ ${GOAL_PACKAGE_FILES}`,
      met: size.files <= GOAL_PACKAGE_FILES,
    },
  ];
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    const result = await measureColdStart({ log: (line) => console.log(`[cold-start] ${line}`) });
    const goals = coldStartGoals(result);
    console.log('');
    for (const goal of goals) console.log(`${goal.met === undefined ? 'info' : goal.met ? 'MET ' : 'MISS'} ${goal.name}: ${goal.value} (goal ${goal.goal})`);
    console.log('');
    console.log(renderColdStart(result).join('\n'));
    for (const note of result.notes) console.log(`note: ${note}`);
    console.log(`(${(result.durationMs / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.error(`cold-start failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  }
}
