import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../shared/auth/roles.js';
import { contractViolations } from '../contract/contract-validator.js';
import { describeRequest, requestFor, type FuzzRequest, type FuzzWorld } from './fuzz/arbitraries.js';
import { sendRaw, type RawResponse } from './fuzz/raw-http.js';
import { fuzzTargets, routesNotFuzzed, type FuzzTarget } from './fuzz/targets.js';
import { createTask, uniqueCaseId } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

/**
 * Property-based fuzzing of every endpoint through the real HTTP path of the local host (one host
 * for the whole run). For any request, however malformed:
 *   - never a 5xx;
 *   - every 4xx is application/problem+json;
 *   - no body leaks a stack trace, a source location or an internal name;
 *   - an answer from an operation (not the host's own 404/405) matches the OpenAPI contract.
 *
 * The seed is fixed unless FUZZ_SEED is set, and a failure names the seed to re-run with
 * (`FUZZ_SEED=<seed> npx vitest run tests/integration/fuzz.test.ts`). The endpoints come from the
 * OpenAPI document, which is generated from the registrations: a new endpoint is fuzzed as is.
 */

const DEFAULT_SEED = 20_261_202;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : DEFAULT_SEED;
/** Requests per run across all endpoints (at least); each endpoint gets an equal share. FUZZ_CASES raises it for a longer hunt. */
const MIN_CASES = process.env.FUZZ_CASES ? Number(process.env.FUZZ_CASES) : 1_100;

/**
 * Hostile string families (fuzz/arbitraries.ts STRING_FAMILIES) left out of the run because the
 * bug they find is being fixed elsewhere. Each entry says what fails; remove it when fixed.
 */
const KNOWN_UNFIXED = new Set<string>([]);

/** Responses whose bodies are documentation or page code, not answers: they may mention anything. */
const DOCUMENTATION = new Set(['docs-asset', 'docs-openapi', 'docs-page', 'console-asset', 'console-page']);

/** What must never appear in an answer: stack frames, source locations, internals' names. */
const LEAKS: [string, RegExp][] = [
  ['stack frame', /\n\s+at |\bat [\w$.<>[\]]+ \(|\(file:\/\/|\(node:/],
  ['source location', /\.[cm]?[jt]s:\d+/],
  ['node_modules', /node_modules/],
  ['database internals', /\bCosmos|ErrorResponse|x-ms-|activityId|RequestCharge|\bdbs\/|\bcolls\//],
  ['JavaScript error name', /\b(TypeError|RangeError|ReferenceError|SyntaxError|EvalError|AggregateError)\b/],
  ['network error code', /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|REQUEST_SEND_ERROR)\b/],
  ['SDK name', /@azure\/|ServiceBus(Error|Client)|AbortError/],
];

let host: LocalHost;
let world: FuzzWorld;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const targets = fuzzTargets();
const statuses = new Map<number, number>();
let sent = 0;

beforeAll(async () => {
  host = await startLocalHost();
  await host.brokerIdle();
  // Tokens: every role (admins and managers, who may do most, three times as often), no role at
  // all, and a caller missing from the users directory.
  const authorizations = [
    ...(await Promise.all(ROLES.map((role) => host.token(role)))),
    ...(await Promise.all(['admin', 'manager', 'admin', 'manager'].map((role) => host.token(role as Role)))),
    await host.tokenWithRoles([]),
    await host.token('caseworker', randomUUID()),
  ].map((token) => `Bearer ${token}`);
  // Users the fuzzer may change or deactivate: never the callers above.
  const userIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = randomUUID();
    const response = await host.call('/v1/users', {
      method: 'POST',
      as: 'admin',
      json: { id, name: `Fuzz user ${i}`, email: `fuzz-${i}@example.gov.uk`, roles: ['caseworker'], jurisdictions: ['IA'] },
    });
    expect(response.status).toBe(201);
    userIds.push(id);
  }
  const caseId = uniqueCaseId();
  const tasks = [];
  for (let i = 0; i < 4; i++) tasks.push(await createTask(host, { caseId, title: `Fuzz target ${i}`, ...(i % 2 === 0 ? { assignee: null } : {}) }));
  const operation = await host.call('/v1/operations/reassign', { method: 'POST', as: 'manager', json: { fromUserId: userIds[0], toUserId: null } });
  expect(operation.status).toBe(202);
  const operationId = (await operation.json()).data.id as string;
  world = {
    authorizations,
    known: {
      id: [...tasks.map((task) => task.id), '00000000-0000-4000-8000-000000000001', ...userIds, operationId],
      caseId: [caseId, '1234567812345678'],
    },
    etags: ['"1"', '"2"', '"3"', '*', 'W/"1"'],
  };
}, 120_000);

afterAll(async () => {
  agent.destroy();
  const histogram = [...statuses.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');
  console.log(`Fuzzed ${sent} requests over ${targets.length} operations (FUZZ_SEED=${SEED}): ${histogram}`);
  await host?.dispose();
});

/** Everything wrong with one answer; empty when it is acceptable. */
function verdict(target: FuzzTarget, request: FuzzRequest, response: RawResponse): string[] {
  const wrong: string[] = [];
  const contentType = response.headers['content-type']?.[0] ?? '';
  if (response.status >= 500) wrong.push(`answered ${response.status}`);
  if (response.status >= 400 && !/^application\/problem\+json/i.test(contentType)) wrong.push(`a ${response.status} with content type "${contentType}", not application/problem+json`);
  if (!(DOCUMENTATION.has(target.operationId) && response.status < 300)) {
    for (const [what, pattern] of LEAKS) if (pattern.test(response.body)) wrong.push(`the body leaks a ${what} (${pattern}): ${response.body.slice(0, 300)}`);
  }
  // The host's own answers (no route, wrong method, unreadable URL) are outside the contract.
  const hostAnswer = /"type":"about:blank"/.test(response.body);
  if (!hostAnswer && wrong.length === 0) {
    // The path as the host routed it: dot segments resolved (as any URL parser does), and /x/
    // taken as /x, as the Functions host does; the document has neither.
    const path = new URL(request.path, 'http://host').pathname.replace(/^\/api/, '').replace(/(.)\/+$/, '$1');
    const headers = new Headers();
    for (const [name, values] of Object.entries(response.headers)) for (const value of values) headers.append(name, value);
    wrong.push(...contractViolations({ method: request.method, path, status: response.status, headers, body: response.body }));
  }
  return wrong;
}

function seedFor(target: FuzzTarget): number {
  let hash = SEED | 0;
  for (const char of target.operationId) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

describe('fuzzing every endpoint through the local host', () => {
  it('covers every registered route', () => {
    expect(routesNotFuzzed(targets)).toEqual([]);
    expect(targets.length).toBeGreaterThan(30);
  });

  const runsEach = Math.max(20, Math.ceil(MIN_CASES / targets.length));
  for (const target of targets) {
    it(`${target.method} ${target.template} (${target.operationId})`, async () => {
      const seed = seedFor(target);
      const details = await fc.check(
        fc.asyncProperty(requestFor(target, world, KNOWN_UNFIXED), async (request) => {
          const response = await sendRaw(host.baseUrl, agent, request);
          sent += 1;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const wrong = verdict(target, request, response);
          if (wrong.length > 0) throw new Error(`What was wrong:\n- ${wrong.join('\n- ')}`);
        }),
        { seed, numRuns: runsEach },
      );
      if (details.failed) {
        const counterexample = details.counterexample?.[0];
        const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        throw new Error(
          [
            `Fuzzing ${target.method} ${target.template} failed after ${details.numRuns} request(s).`,
            `Re-run with FUZZ_SEED=${SEED} (this endpoint's seed ${details.seed}, path "${details.counterexamplePath}").`,
            counterexample ? `Smallest failing request:\n${describeRequest(counterexample)}` : '',
            error.slice(0, 3000),
          ].join('\n'),
        );
      }
    }, 300_000);
  }
});
