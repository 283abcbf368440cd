import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as forward, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendProblem } from '../functions-host/problem.js';

/**
 * An HTTP proxy between the app and the embedded database that injects the failures a real Cosmos
 * account produces: throttling (429 with `x-ms-retry-after-ms`), unavailability (503), added
 * latency and dropped connections, each on a chosen share of requests, before the database sees
 * the request or after it did the work (the answer is lost: the caller cannot know whether its
 * write happened). Everything else is forwarded byte for byte.
 *
 * The local host starts it only when CASELOAD_COSMOS_FAULT_PROXY=1 (dev/start.ts) and points the
 * app at it; the local broker keeps talking to the database directly. Faults are set over HTTP:
 *
 *   GET    /admin/cosmos/faults   → 200 { faults, stats }
 *   PUT    /admin/cosmos/faults   { status?, retryAfterMs?, rate?, latencyMs?, drop?, after?, match?, methods? } → 200 { faults, stats }
 *   DELETE /admin/cosmos/faults   → 200 { faults: {}, stats } (no faults; stats kept)
 *
 * See README.md in this folder.
 */

export interface CosmosFaults {
  /** Answer this status instead of the database: 429 (throttled), 503 (unavailable), 408, 410, 500. */
  status?: 408 | 410 | 429 | 500 | 503;
  /** With 429: the `x-ms-retry-after-ms` header (default 100). */
  retryAfterMs?: number;
  /** Share of matching requests that get the fault, 0-1 (default 1: every one). Latency applies to all matching ones. */
  rate?: number;
  /** Delay added before a matching request is forwarded (or faulted). */
  latencyMs?: number;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** Apply `status` / `drop` after the database handled the request: its answer is lost. */
  after?: boolean;
  /** Only requests whose path contains this (e.g. `/colls/tasks/` for the tasks container). */
  match?: string;
  /** Only these methods (e.g. ["PUT", "POST"] for writes). */
  methods?: string[];
}

export interface FaultStats {
  /** Requests forwarded to the database (faulted-after ones included). */
  forwarded: number;
  /** Faults injected, by kind. */
  injected: { status: number; drop: number; latency: number };
}

export interface CosmosFaultProxy {
  /** http://127.0.0.1:PORT: give this to the app instead of the database's endpoint. */
  endpoint: string;
  /** The admin API under /admin/cosmos/faults; returns true when it handled the request. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  faults(): CosmosFaults;
  stats(): FaultStats;
  close(): Promise<void>;
}

const ADMIN_PATH = '/admin/cosmos/faults';
const STATUSES = [408, 410, 429, 500, 503] as const;
const MAX_LATENCY_MS = 120_000;
const MAX_BODY_BYTES = 64 * 1024;

/** Cosmos' own code names for the statuses it answers, as its error bodies carry them. */
const COSMOS_CODES: Record<number, string> = { 408: 'RequestTimeout', 410: 'Gone', 429: 'TooManyRequests', 500: 'InternalServerError', 503: 'ServiceUnavailable' };

export async function startCosmosFaultProxy(options: { upstream: string; log?: (line: string) => void }): Promise<CosmosFaultProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:') throw new Error('The Cosmos fault proxy forwards plain HTTP only (the embedded database).');
  const log = options.log ?? (() => {});
  const agent = new Agent({ keepAlive: true });
  let faults: CosmosFaults = {};
  const stats: FaultStats = { forwarded: 0, injected: { status: 0, drop: 0, latency: 0 } };

  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    proxy(req, res).catch((error: unknown) => {
      log(`[cosmos-faults] proxying ${req.method} ${req.url} failed: ${(error as Error).message}`);
      if (!res.headersSent) cosmosError(res, 503, 'The fault proxy could not reach the database.');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const current = faults;
    const matches = (!current.match || (req.url ?? '').includes(current.match)) && (!current.methods || current.methods.includes(req.method ?? 'GET'));
    if (matches && current.latencyMs) {
      stats.injected.latency += 1;
      await delay(current.latencyMs);
      if (req.destroyed) return; // the client gave up (its own timeout) meanwhile
    }
    const faulted = matches && (current.status !== undefined || current.drop === true) && Math.random() < (current.rate ?? 1);
    if (faulted && !current.after) return inject(res, current);

    const body = await readAll(req);
    const answer = await send(req, body);
    stats.forwarded += 1;
    if (faulted) return inject(res, current);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  function inject(res: ServerResponse, fault: CosmosFaults): void {
    if (fault.drop) {
      stats.injected.drop += 1;
      res.socket?.destroy();
      return;
    }
    stats.injected.status += 1;
    const status = fault.status!;
    cosmosError(res, status, `Injected by the fault proxy (${COSMOS_CODES[status]}).`, status === 429 ? { 'x-ms-retry-after-ms': String(fault.retryAfterMs ?? 100), 'x-ms-substatus': '3200' } : {});
  }

  function send(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host };
      const outgoing = forward({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const { connection: _connection, 'keep-alive': _keepAlive, 'transfer-encoding': _encoding, ...rest } = answer.headers;
          const payload = Buffer.concat(chunks);
          resolve({ status: answer.statusCode ?? 502, headers: { ...(rest as Record<string, string | string[]>), 'content-length': String(payload.length) }, body: payload });
        });
        answer.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    faults: () => ({ ...faults }),
    stats: () => structuredClone(stats),
    async handle(req, res) {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path !== ADMIN_PATH) return false;
      if (req.method === 'GET') return json(res, 200, { faults, stats });
      if (req.method === 'DELETE') {
        faults = {};
        log('[cosmos-faults] cleared');
        return json(res, 200, { faults, stats });
      }
      if (req.method !== 'PUT') {
        sendProblem(res, 405, `${req.method} is not allowed here; use GET, PUT or DELETE.`, { allow: 'GET, PUT, DELETE' });
        return true;
      }
      let parsed: CosmosFaults;
      try {
        parsed = parseFaults(JSON.parse((await readAll(req, MAX_BODY_BYTES)).toString('utf8') || 'null'));
      } catch (error) {
        sendProblem(res, 400, (error as Error).message);
        return true;
      }
      faults = parsed;
      log(`[cosmos-faults] set ${JSON.stringify(faults)}`);
      return json(res, 200, { faults, stats });
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Validates a PUT body: every field optional, nothing unknown, values in range. */
export function parseFaults(input: unknown): CosmosFaults {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('The body must be a JSON object of faults.');
  const fields = input as Record<string, unknown>;
  const known = ['status', 'retryAfterMs', 'rate', 'latencyMs', 'drop', 'after', 'match', 'methods'];
  const unknown = Object.keys(fields).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`Unknown fault setting(s): ${unknown.join(', ')}; known: ${known.join(', ')}.`);
  const faults: CosmosFaults = {};
  const { status, retryAfterMs, rate, latencyMs, drop, after, match, methods } = fields;
  if (status !== undefined) {
    if (!STATUSES.includes(status as (typeof STATUSES)[number])) throw new Error(`status must be one of ${STATUSES.join(', ')}.`);
    faults.status = status as CosmosFaults['status'];
  }
  if (retryAfterMs !== undefined) faults.retryAfterMs = integer('retryAfterMs', retryAfterMs, 0, MAX_LATENCY_MS);
  if (latencyMs !== undefined) faults.latencyMs = integer('latencyMs', latencyMs, 0, MAX_LATENCY_MS);
  if (rate !== undefined) {
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new Error('rate must be a number from 0 to 1.');
    faults.rate = rate;
  }
  for (const [name, value] of [['drop', drop], ['after', after]] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new Error(`${name} must be true or false.`);
    faults[name] = value;
  }
  if (faults.drop && faults.status !== undefined) throw new Error('Set either status or drop, not both.');
  if (faults.after && faults.status === undefined && !faults.drop) throw new Error('after needs a status or drop to apply after forwarding.');
  if (match !== undefined) {
    if (typeof match !== 'string' || match.length === 0) throw new Error('match must be a non-empty string.');
    faults.match = match;
  }
  if (methods !== undefined) {
    if (!Array.isArray(methods) || methods.length === 0 || !methods.every((method) => typeof method === 'string' && /^[A-Z]+$/.test(method))) {
      throw new Error('methods must be a non-empty array of upper-case HTTP methods.');
    }
    faults.methods = methods as string[];
  }
  return faults;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}.`);
  return value;
}

function cosmosError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ code: COSMOS_CODES[status] ?? String(status), message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-ms-activity-id': randomUUID(),
    'x-ms-request-charge': '0',
    ...headers,
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): true {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
  return true;
}

function readAll(req: IncomingMessage, max = Number.POSITIVE_INFINITY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new Error(`The body is larger than ${max} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
