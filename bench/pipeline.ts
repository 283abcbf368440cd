/**
 * The HTTP pipeline's own cost, in this process: `runEndpoint` for GET /tasks/{id} (correlation
 * id, bearer token, role gate, directory scope, path validation, envelope, headers) against the
 * same endpoint's bare handler, both with a warm key set, a cached token and a cached directory
 * entry, and the task served from memory so the database's noise is in neither side. Paired and
 * interleaved (pipeline, bare, pipeline, bare …), timed with hrtime.
 */
import { performance } from 'node:perf_hooks';
import functions from '@azure/functions';
import { authenticate } from '../shared/http/authenticate.js';
import { runEndpoint } from '../shared/http/endpoint.js';
import { startInProcessApp } from '../tests/support/in-process-app.js';
import { percentile } from './measure.js';

// CommonJS: Node's ES module loader does not see these two as named exports.
const { HttpRequest, InvocationContext } = functions;

export interface PipelineResult {
  n: number;
  pipelineMedianUs: number;
  bareMedianUs: number;
  /** Median of the per-pair differences (pipeline − bare). */
  overheadMedianUs: number;
  overheadP95Us: number;
  /** Microseconds of CPU (user + system) per pipeline call, over the timed part, minus the bare handler's. */
  cpuOverheadUs: number;
}

export const GOAL_PIPELINE_OVERHEAD_US = 100;

export async function measurePipeline(options: { pairs?: number; warmup?: number; maxMs?: number } = {}): Promise<PipelineResult> {
  const pairs = options.pairs ?? 20_000;
  const warmup = options.warmup ?? 2_000;
  const maxMs = options.maxMs ?? 10_000;
  const app = await startInProcessApp();
  try {
    const listed = await app.call('tasks-list', { url: '/v1/tasks?limit=1' }, 'manager');
    const id = (JSON.parse(String(listed.body)) as { data: { id: string }[] }).data[0]!.id;
    const stored = (await app.services.tasks.get(id))!;
    // Both sides read the task from memory: what is compared is the pipeline around the handler.
    app.services.tasks = Object.assign(Object.create(app.services.tasks) as typeof app.services.tasks, { get: async () => stored });

    const spec = app.spec('tasks-get');
    const request = new HttpRequest({
      method: 'GET',
      url: `http://localhost/api/v1/tasks/${id}`,
      headers: { authorization: `Bearer ${await app.token('manager')}` },
      params: { id },
    });
    const invocation = new InvocationContext({ invocationId: 'bench', functionName: spec.name, logHandler: () => {} });
    const principal = await authenticate(app.services, request, spec.roles);
    const pipeline = () => runEndpoint(spec, request, invocation);
    const bare = () => spec.handler({ services: app.services, request, invocation, correlationId: 'bench', principal, params: { id }, query: undefined, body: undefined });
    const first = await pipeline();
    if (first.status !== 200) throw new Error(`the pipeline answered ${first.status}`);

    for (let i = 0; i < warmup; i++) {
      await pipeline();
      await bare();
    }
    const full: number[] = [];
    const handler: number[] = [];
    const differences: number[] = [];
    let pipelineCpu = 0;
    let bareCpu = 0;
    const deadline = performance.now() + maxMs;
    for (let i = 0; i < pairs && performance.now() < deadline; i++) {
      // Alternate which side goes first, so neither always runs on a cache the other warmed.
      const order = i % 2 === 0 ? ([pipeline, bare] as const) : ([bare, pipeline] as const);
      const timings: number[] = [];
      const cpus: number[] = [];
      for (const run of order) {
        const cpu = process.cpuUsage();
        const started = process.hrtime.bigint();
        await run();
        timings.push(Number(process.hrtime.bigint() - started) / 1000);
        const used = process.cpuUsage(cpu);
        cpus.push(used.user + used.system);
      }
      const [pipelineUs, bareUs] = i % 2 === 0 ? [timings[0]!, timings[1]!] : [timings[1]!, timings[0]!];
      pipelineCpu += i % 2 === 0 ? cpus[0]! : cpus[1]!;
      bareCpu += i % 2 === 0 ? cpus[1]! : cpus[0]!;
      full.push(pipelineUs);
      handler.push(bareUs);
      differences.push(pipelineUs - bareUs);
    }
    return {
      n: full.length,
      pipelineMedianUs: percentile(full, 50),
      bareMedianUs: percentile(handler, 50),
      overheadMedianUs: percentile(differences, 50),
      overheadP95Us: percentile(differences, 95),
      cpuOverheadUs: (pipelineCpu - bareCpu) / full.length,
    };
  } finally {
    await app.close();
  }
}
