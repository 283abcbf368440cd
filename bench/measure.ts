/**
 * Timing primitives: bounded phases (count and time), percentiles, and interleaved rounds.
 *
 * Every loop here stops by itself: at its request cap, at its deadline, or when its work runs out.
 */
import { performance } from 'node:perf_hooks';
import { assertLoopback } from './host.js';

/** What one request reports back: its status, or `undefined` when there is nothing left to do. */
export type Op = (worker: number, index: number) => Promise<number | undefined>;

export interface Budget {
  /** Requests run (same concurrency) before timing starts: JIT, connections, caches. */
  warmup: number;
  maxRequests: number;
  maxMs: number;
}

export interface PhaseResult {
  latenciesMs: number[];
  errors: number;
  errorExamples: string[];
  /** Wall time of the timed part only. */
  elapsedMs: number;
  /** Host CPU (user + system) used during the timed part, if /proc is readable. */
  hostCpuMs: number | undefined;
  stoppedBy: Set<'count' | 'time' | 'exhausted'>;
}

export interface PhaseSpec {
  clients: number;
  budget: Budget;
  op: Op;
  /** Statuses that count as success (anything else, or a thrown fetch, is an error). */
  expect: readonly number[];
  cpuMs: () => number | undefined;
}

/** Runs `clients` workers that each issue one request at a time until a bound is reached. */
export async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const { clients, budget, op, expect, cpuMs } = spec;
  const result: PhaseResult = { latenciesMs: [], errors: 0, errorExamples: [], elapsedMs: 0, hostCpuMs: undefined, stoppedBy: new Set() };
  let index = 0;

  const drive = async (limit: number, deadline: number, record: boolean) => {
    let exhausted = false;
    await Promise.all(
      Array.from({ length: clients }, async (_, worker) => {
        for (;;) {
          if (exhausted) return;
          if (index >= limit) return void (record && result.stoppedBy.add('count'));
          if (performance.now() >= deadline) return void (record && result.stoppedBy.add('time'));
          const i = index++;
          const started = performance.now();
          let status: number | undefined;
          try {
            status = await op(worker, i);
          } catch (error) {
            status = 0;
            if (record && result.errorExamples.length < 3) result.errorExamples.push(error instanceof Error ? error.message : String(error));
          }
          const elapsed = performance.now() - started;
          if (status === undefined) {
            exhausted = true;
            if (record) result.stoppedBy.add('exhausted');
            return;
          }
          if (!record) continue;
          result.latenciesMs.push(elapsed);
          if (!expect.includes(status)) {
            result.errors += 1;
            if (status !== 0 && result.errorExamples.length < 3) result.errorExamples.push(`HTTP ${status}`);
          }
        }
      }),
    );
  };

  // Warm-up: same concurrency, not recorded; bounded by count and by the phase's own time budget.
  await drive(budget.warmup, performance.now() + budget.maxMs, false);
  index = 0;
  const cpuBefore = cpuMs();
  const started = performance.now();
  await drive(budget.maxRequests, started + budget.maxMs, true);
  result.elapsedMs = performance.now() - started;
  const cpuAfter = cpuMs();
  result.hostCpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return result;
}

/** Concatenates the rounds of one variant: latencies pooled, wall time and CPU summed. */
export function merge(parts: readonly PhaseResult[]): PhaseResult {
  return {
    latenciesMs: parts.flatMap((part) => part.latenciesMs),
    errors: parts.reduce((sum, part) => sum + part.errors, 0),
    errorExamples: parts.flatMap((part) => part.errorExamples).slice(0, 3),
    elapsedMs: parts.reduce((sum, part) => sum + part.elapsedMs, 0),
    hostCpuMs: parts.some((part) => part.hostCpuMs === undefined) ? undefined : parts.reduce((sum, part) => sum + part.hostCpuMs!, 0),
    stoppedBy: new Set(parts.flatMap((part) => [...part.stoppedBy])),
  };
}

export interface Variant {
  name: string;
  /** Runs before each of the variant's rounds (e.g. switching a fault on). Not timed. */
  before?: () => Promise<void>;
  run: () => Promise<PhaseResult>;
}

/**
 * Runs the variants in turn, `rounds` times (A B A B …), and pools each variant's rounds. A ratio
 * between variants measured this way shares the machine's slow and fast moments, which matters on
 * a shared, noisy machine far more than the exact length of each block.
 */
export async function interleave(rounds: number, variants: readonly Variant[]): Promise<Map<string, PhaseResult>> {
  const parts = new Map<string, PhaseResult[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      await variant.before?.();
      parts.get(variant.name)!.push(await variant.run());
    }
  }
  return new Map([...parts].map(([name, results]) => [name, merge(results)]));
}

/** Nearest-rank percentile: an observed value, never an interpolation between two. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Summary {
  n: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  /** Completed requests per second of the timed wall time. */
  throughput: number;
  cpuMsPerRequest: number | undefined;
}

export function summarize(result: PhaseResult): Summary {
  const n = result.latenciesMs.length;
  return {
    n,
    errors: result.errors,
    p50: percentile(result.latenciesMs, 50),
    p95: percentile(result.latenciesMs, 95),
    p99: percentile(result.latenciesMs, 99),
    throughput: n / (result.elapsedMs / 1000),
    cpuMsPerRequest: result.hostCpuMs === undefined || n === 0 ? undefined : result.hostCpuMs / n,
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

/** One HTTP exchange, body read to the end (part of the latency), with a hard timeout. */
export async function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  assertLoopback(url);
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
