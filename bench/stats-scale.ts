/**
 * GET /tasks/stats and the overdue backlog at 2,000 and at 200,000 tasks: the same use cases the
 * endpoint and the timer call (`taskStats`, `overdueBacklog`), through the real @azure/cosmos
 * client, against two embedded databases in this process, one per size, each counting the
 * requests it serves and the documents it returns. The two sizes alternate (small, large, small,
 * large …) so both see the same moments of machine noise.
 *
 * The tasks are demo-generator tasks (open ones past due flagged overdue, as the overdue scan
 * leaves them) imported straight into memory (`importDocuments`): 200,000 through the API would
 * take hours here. Their counters are what a reconciliation writes for them (one ledger per case
 * from the full count, totals as the ledgers' sum); at the small size the reconciliation itself
 * then runs and must find nothing to correct, which checks the two agree.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CONTAINERS, COSMOS_DATABASE_DEFAULT } from '../shared/config/entities.js';
import { parseSettings, SETTING } from '../shared/config/settings.js';
import type { Principal } from '../shared/auth/roles.js';
import { visibilityScope } from '../shared/domain/permissions.js';
import { ledgersFromTasks, totalsFromLedgers } from '../shared/domain/task-counters.js';
import type { TaskDocument } from '../shared/domain/task-document.js';
import { TERMINAL_STATUSES } from '../shared/domain/task-document.js';
import { createServices, type Services } from '../shared/services.js';
import { reconcileCounters } from '../shared/use-cases/reconcile-counters.js';
import { overdueBacklog, taskStats } from '../shared/use-cases/task-stats.js';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../dev/cosmos/index.js';
import { RequestTally } from '../dev/cosmos/request-log.js';
import { demoTasks } from '../dev/demo-data.js';
import { defaultDemoUser } from '../dev/demo-users.js';
import { ensureLocalDatabase } from '../dev/local-database.js';
import { InProcessMessaging } from '../tests/support/in-process-app.js';
import { makeTempDir, removeTempDir } from '../tests/support/temp-dir.js';
import { percentile } from './measure.js';

export interface ScaleOp {
  op: string;
  tasks: number;
  n: number;
  p50Ms: number;
  p95Ms: number;
  /** Requests per call: min and max over the calls (equal when the cost is fixed). */
  requests: [number, number];
  /** Documents returned per call: min and max. */
  documents: [number, number];
}

export interface ScaleResult {
  sizes: [number, number];
  ops: ScaleOp[];
  /** What the reconciliation found to correct at the small size (0 and 0: the imported counters agree with it). */
  reconcileAtSmall: { tasksCaughtUp: number; totalsCorrected: number };
  setupMs: number;
}

const principalOf = (role: 'admin' | 'manager' | 'caseworker'): Principal => {
  const user = defaultDemoUser(role);
  return { userId: user.id, name: user.name, roles: [role], ...(role === 'admin' ? {} : { workScope: { jurisdictions: [...user.jurisdictions], locations: [...user.locations] } }) };
};

/** `count` demo tasks: the generator's first 20,000 (it hashes each creation event), then copies of them under new ids and cases. */
function tasksOf(count: number, now: Date): TaskDocument[] {
  const base = demoTasks(Math.min(count, 20_000), now);
  const open = (task: TaskDocument) => !TERMINAL_STATUSES.includes(task.status);
  const nowIso = now.toISOString();
  return Array.from({ length: count }, (_, i) => {
    const source = base[i % base.length]!;
    const copy = Math.floor(i / base.length);
    const id = copy === 0 ? source.id : `${source.id.slice(0, 24)}${String(copy).padStart(2, '0')}${source.id.slice(26)}`;
    const caseId = copy === 0 ? source.caseId : String(1_600_000_000_000_000 + i).padStart(16, '0');
    const overdue = open(source) && source.dueDate < nowIso;
    return { ...source, id, caseId, overdue, overdueSince: overdue ? source.dueDate : null, pendingEvents: [], outboxSince: null };
  });
}

interface Point {
  size: number;
  cosmos: EmbeddedCosmos;
  tally: RequestTally;
  services: Services;
  dataDir: string;
  caseId: string;
}

async function openPoint(size: number, now: Date, log: (line: string) => void): Promise<Point> {
  const dataDir = makeTempDir('caseload-bench-scale-');
  const tally = new RequestTally(COSMOS_DATABASE_DEFAULT);
  const cosmos = await startEmbeddedCosmos({ dataDir, fsync: false, compactAfterBytes: Number.MAX_SAFE_INTEGER, onRequest: tally.record, log: () => {} });
  const settings = parseSettings({
    [SETTING.cosmosEndpoint]: cosmos.endpoint,
    [SETTING.cosmosKey]: cosmos.key,
    [SETTING.authIssuer]: 'http://127.0.0.1/unused',
    [SETTING.authAudience]: 'api://unused',
    [SETTING.authJwksUri]: 'http://127.0.0.1/unused/jwks',
    // Required by the settings; stats never sign a cursor.
    [SETTING.cursorKeys]: randomBytes(32).toString('base64'),
  });
  const services = createServices(settings, { messaging: new InProcessMessaging(), tokenVerifier: { verify: async () => ({ ok: false, failure: { reason: 'missing', detail: 'unused' } }) } });
  await ensureLocalDatabase(services.database);
  const started = performance.now();
  const tasks = tasksOf(size, now);
  await cosmos.importDocuments(COSMOS_DATABASE_DEFAULT, CONTAINERS.tasks.name, tasks as unknown as Record<string, unknown>[]);
  const ledgers = ledgersFromTasks(tasks, now.toISOString());
  await cosmos.importDocuments(COSMOS_DATABASE_DEFAULT, CONTAINERS.caseCounters.name, ledgers as unknown as Record<string, unknown>[]);
  await cosmos.importDocuments(COSMOS_DATABASE_DEFAULT, CONTAINERS.counters.name, [...totalsFromLedgers(ledgers, now.toISOString()).values()] as unknown as Record<string, unknown>[]);
  log(`stats scale: ${size} tasks, ${ledgers.length} case ledgers imported in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { size, cosmos, tally, services, dataDir, caseId: tasks[Math.floor(tasks.length / 2)]!.caseId };
}

export async function measureStatsScale(options: { sizes?: [number, number]; rounds?: number; callsPerRound?: number; log?: (line: string) => void } = {}): Promise<ScaleResult> {
  const sizes = options.sizes ?? [2_000, 200_000];
  const rounds = options.rounds ?? 6;
  const callsPerRound = options.callsPerRound ?? 20;
  const log = options.log ?? (() => {});
  const now = new Date();
  const setupStarted = performance.now();
  const points: Point[] = [];
  try {
    for (const size of sizes) points.push(await openPoint(size, now, log));
    const small = points[0]!;
    const reconciled = await reconcileCounters(small.services);
    const setupMs = performance.now() - setupStarted;

    const admin = visibilityScope(principalOf('admin'));
    const manager = visibilityScope(principalOf('manager'));
    const caseworker = visibilityScope(principalOf('caseworker'));
    const ops: [string, (point: Point) => Promise<unknown>][] = [
      ['GET /tasks/stats, manager', (point) => taskStats(point.services, manager, {})],
      ['GET /tasks/stats, admin', (point) => taskStats(point.services, admin, {})],
      ['GET /tasks/stats, caseworker, assignee=me', (point) => taskStats(point.services, caseworker, { assignee: principalOf('caseworker').userId })],
      ['GET /tasks/stats?caseId=…, admin', (point) => taskStats(point.services, admin, { caseId: point.caseId })],
      ['overdue backlog (overdue-scan)', (point) => overdueBacklog(point.services)],
    ];
    const samples = new Map<string, { latencies: number[]; requests: number[]; documents: number[] }>();
    for (const [op] of ops) for (const point of points) samples.set(`${op}@${point.size}`, { latencies: [], requests: [], documents: [] });
    // Warm both clients (connections, container metadata), untimed.
    for (const point of points) for (const [, run] of ops) await run(point);
    for (let round = 0; round < rounds; round++) {
      for (const point of points) {
        for (const [op, run] of ops) {
          const sample = samples.get(`${op}@${point.size}`)!;
          for (let i = 0; i < callsPerRound; i++) {
            point.tally.take();
            const started = performance.now();
            await run(point);
            sample.latencies.push(performance.now() - started);
            const counts = point.tally.take();
            sample.requests.push(counts.requests);
            sample.documents.push(counts.documents);
          }
        }
      }
    }
    const range = (values: number[]): [number, number] => [Math.min(...values), Math.max(...values)];
    return {
      sizes,
      setupMs,
      reconcileAtSmall: { tasksCaughtUp: reconciled.tasksCaughtUp, totalsCorrected: reconciled.totalsCorrected },
      ops: ops.flatMap(([op]) =>
        points.map((point) => {
          const sample = samples.get(`${op}@${point.size}`)!;
          return {
            op,
            tasks: point.size,
            n: sample.latencies.length,
            p50Ms: percentile(sample.latencies, 50),
            p95Ms: percentile(sample.latencies, 95),
            requests: range(sample.requests),
            documents: range(sample.documents),
          };
        }),
      ),
    };
  } finally {
    for (const point of points) {
      await point.cosmos.close().catch(() => undefined);
      removeTempDir(point.dataDir);
    }
  }
}
