import { newPublishBudget, type PublishBudget } from '../../../shared/events/publish-budget.js';
import type { ChunkRun } from '../../../shared/use-cases/operation-requester.js';
import type { InvocationContext } from '@azure/functions';
import { expect } from 'vitest';
import type { Principal, Role } from '../../../shared/auth/roles.js';
import type { StoredTask, TaskDocument } from '../../../shared/domain/task-document.js';
import type { UserDocument } from '../../../shared/domain/user-document.js';
import { AppError } from '../../../shared/errors/app-error.js';
import type { OutgoingMessage } from '../../../shared/messaging/messaging.js';
import type { ChunkMessage, OperationDocument } from '../../../shared/schemas/operation.js';
import type { CreateTaskInput } from '../../../shared/schemas/task.js';
import { isPreconditionFailed } from '../../../shared/store/cosmos-errors.js';
import type { TaskRepository } from '../../../shared/store/task-repository.js';
import type { StartContext } from '../../../shared/use-cases/start-operation.js';
import type { WriteContext } from '../../../shared/use-cases/write-context.js';
import { defaultDemoUser, DEMO_LOCATIONS, DEMO_USERS } from '../../../dev/demo-users.js';

/**
 * Test data and test doubles for the use-case tests, none of which needs a running world
 * (harness.ts has the world and the helpers that read or write it).
 */

// ---- The seeded demo data the tests name (dev/demo-users.ts) ----

/** Two seeded courts: HOME is the one Charlie works at, ELSEWHERE one he does not. */
export const HOME = DEMO_LOCATIONS[0].id; // 765324
export const ELSEWHERE = DEMO_LOCATIONS[1].id; // 231596

export const CASEY = 'c0000000-0000-4000-8000-000000000001'; // caseworker: IA, SSCS, EMPLOYMENT, every location
export const CHRIS = 'c0000000-0000-4000-8000-000000000002'; // caseworker: IA, SSCS, EMPLOYMENT, every location
export const CHARLIE = 'c0000000-0000-4000-8000-000000000003'; // caseworker: IA, SSCS, EMPLOYMENT, at 765324 only
export const CIVIL_CASEWORKER = 'c0000000-0000-4000-8001-000000000001'; // caseworker: CIVIL only
export const VIEWER = 'd0000000-0000-4000-8000-000000000001';

/** A seeded demo user as a principal, with their directory scope (an admin has none: they see everything). */
export function principalOf(userId: string): Principal {
  const user = DEMO_USERS.find((candidate) => candidate.id === userId);
  if (!user) throw new Error(`No demo user ${userId}`);
  return {
    userId: user.id,
    name: user.name,
    roles: [user.role],
    ...(user.role === 'admin' ? {} : { workScope: { jurisdictions: [...user.jurisdictions], locations: [...user.locations] } }),
  };
}

/** The seeded demo user of a role (the first one) as a principal, with their directory scope. */
export function principalFor(role: Role): Principal {
  return principalOf(defaultDemoUser(role).id);
}

/** The callers most tests act as: the first demo user of each role. The manager works in IA, SSCS and EMPLOYMENT. */
export const admin = principalFor('admin');
export const manager = principalFor('manager');
export const caseworker = principalFor('caseworker');
export const viewer = principalFor('viewer');

// ---- Inputs ----

let caseCounter = 0;

/** A valid new task in IA (the demo manager's and caseworker's jurisdiction), at a known location, on a case of its own. */
export function newTaskInput(overrides: Partial<CreateTaskInput> = {}): CreateTaskInput {
  caseCounter += 1;
  return {
    caseId: `8${String(caseCounter).padStart(15, '0')}`,
    jurisdiction: 'IA',
    locationId: HOME,
    title: `Task ${caseCounter}`,
    description: '',
    priority: 'medium',
    dueDate: '2030-02-01T09:00:00.000Z',
    assignee: null,
    ...overrides,
  } as CreateTaskInput;
}

/** A directory entry for a user the demo data does not have: an active IA caseworker of every location unless told otherwise. */
export function directoryEntry(id: string, overrides: Partial<UserDocument> = {}, at = '2029-12-31T00:00:00.000Z'): UserDocument {
  return {
    id,
    name: `User ${id}`,
    email: `${id}@justice.example`,
    roles: ['caseworker'],
    jurisdictions: ['IA'],
    locations: [],
    active: true,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** The Service Bus message that asks a worker to process one chunk of an operation. */
export function chunkMessage(operation: OperationDocument, chunk: number): ChunkMessage {
  return { operationId: operation.id, chunk };
}

// ---- Contexts and invocations, keeping what they are told ----

/** What a write is given from the request, with the warnings it logs kept. */
export function writeContext(
  principal: Principal,
  correlationId = 'test-correlation',
  publishBudget: PublishBudget = newPublishBudget(),
): WriteContext & { warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  return {
    actor: { userId: principal.userId, name: principal.name ?? null },
    correlationId,
    traceparent: undefined,
    log: { warn: (...args: unknown[]) => warnings.push(args) },
    publishBudget,
    warnings,
  };
}

/** What starting an operation is given from the request, with the warnings it logs kept. */
export function startContext(correlationId: string): StartContext & { warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  return { correlationId, log: { warn: (...args: unknown[]) => warnings.push(args) }, warnings };
}

/** The traceparent of a fakeInvocation's trace context, unless it is given another. */
export const INVOCATION_TRACEPARENT = '00-77777777777777777777777777777777-8888888888888888-01';

/**
 * Enough of a Functions invocation for a consumer or a worker: trigger metadata, a trace context
 * (none when `traceParent` is null), and every log, warning and error it is given, kept in `calls`.
 */
export function fakeInvocation(triggerMetadata?: Record<string, unknown>, traceParent: string | null = INVOCATION_TRACEPARENT) {
  const calls = { log: [] as unknown[][], warn: [] as unknown[][], error: [] as unknown[][] };
  const invocation = {
    invocationId: 'invocation-42',
    functionName: 'function-under-test',
    traceContext: traceParent ? { traceParent, traceState: '', attributes: {} } : undefined,
    triggerMetadata,
    log: (...args: unknown[]) => calls.log.push(args),
    info: (...args: unknown[]) => calls.log.push(args),
    debug: (...args: unknown[]) => calls.log.push(args),
    trace: (...args: unknown[]) => calls.log.push(args),
    warn: (...args: unknown[]) => calls.warn.push(args),
    error: (...args: unknown[]) => calls.error.push(args),
  };
  return Object.assign(invocation as unknown as InvocationContext, { calls });
}

/** A chunk delivery as the operations worker hands it over: the invocation's log and trace. */
export function chunkRun(invocation: ReturnType<typeof fakeInvocation>): ChunkRun {
  return { log: invocation, traceparent: invocation.traceContext?.traceParent ?? undefined };
}

// ---- Outcomes ----

/**
 * The one refusal for a user who may not hold a task, whatever is wrong with them (unknown,
 * deactivated, without the role, working elsewhere): it names the task's jurisdiction and
 * location, which the caller can see, and nothing about the user.
 */
export const notAssignable = (jurisdiction: string, locationId: string): string =>
  `must be an active caseworker or manager who works in ${jurisdiction} at location ${locationId}`;

/** The AppError a use case is refused with, failing the test if it succeeds or throws anything else. */
export async function refusal(attempt: Promise<unknown>): Promise<AppError> {
  const outcome = await attempt.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(AppError);
  return outcome as AppError;
}

// ---- Repositories that race: concurrency made deterministic ----

/** What the Cosmos repositories have in common: documents read by id and replaced on their ETag. */
interface ConditionalStore {
  get(id: string): Promise<{ document: unknown } | undefined>;
  replace(document: never, expected: never): Promise<unknown>;
}

type ReadOf<R extends ConditionalStore> = Awaited<ReturnType<R['get']>>;
type DocumentOf<R extends ConditionalStore> = NonNullable<ReadOf<R>>['document'];

/**
 * The repository, except that after each read `afterRead` runs (given what was read and how many
 * reads there have been, from 1) before the reader goes on with what it read; `reads` counts them.
 */
export function afterEachRead<R extends ConditionalStore>(real: R, afterRead: (read: ReadOf<R>, reads: number) => Promise<void>): R & { reads: number } {
  const repository = Object.assign(Object.create(real) as R, {
    reads: 0,
    async get(id: string) {
      const read = (await real.get(id)) as ReadOf<R>;
      repository.reads += 1;
      await afterRead(read, repository.reads);
      return read;
    },
  });
  return repository;
}

/** The repository, except that each of its first `times` reads of a document is followed by someone else's write of `change(document)`. */
export function changedAfterRead<R extends ConditionalStore>(real: R, times: number, change: (document: DocumentOf<R>) => DocumentOf<R>): R {
  let remaining = times;
  const store = real as unknown as { replace(document: unknown, expected: unknown): Promise<unknown> };
  return afterEachRead(real, async (read) => {
    if (read && remaining > 0) {
      remaining -= 1;
      await store.replace(change(read.document as DocumentOf<R>), read);
    }
  });
}

/** A meeting point: the first `parties` callers wait until all of them have arrived; later callers go straight on. */
export function lockstep(parties: number): () => Promise<void> {
  let arrived = 0;
  let release: () => void = () => undefined;
  const together = new Promise<void>((resolve) => (release = resolve));
  return async () => {
    if (arrived >= parties) return;
    arrived += 1;
    if (arrived === parties) release();
    await together;
  };
}

export type WriteOutcome = 'written' | 'preconditionFailed';

/**
 * The task repository, except that each conditional write that makes a new version is recorded in
 * `writes` as `describe(document)` with its outcome; one the database refuses with a 412 too.
 * Writes that keep the version (the outbox being cleared after a publish) are not recorded.
 */
export function recordingWrites<E extends object>(real: TaskRepository, describe: (document: TaskDocument) => E) {
  const writes: (E & { outcome: WriteOutcome })[] = [];
  const tasks = Object.assign(Object.create(real) as TaskRepository, {
    async replace(document: TaskDocument, expected: StoredTask) {
      try {
        const result = await real.replace(document, expected);
        if (document.version !== expected.document.version) writes.push({ ...describe(document), outcome: 'written' });
        return result;
      } catch (error) {
        if (isPreconditionFailed(error)) writes.push({ ...describe(document), outcome: 'preconditionFailed' });
        throw error;
      }
    },
  });
  return { tasks, writes };
}

/**
 * A sent message without the trace context the send adds (shared/messaging/traced-messaging.ts),
 * and that trace context: `Diagnostic-Id` and `traceparent`, equal, the send's own span.
 */
export function splitTraceContext(message: OutgoingMessage): { message: OutgoingMessage; traceparent: string | undefined } {
  const { ['Diagnostic-Id']: diagnosticId, traceparent, ...rest } = message.applicationProperties ?? {};
  expect(diagnosticId, 'Diagnostic-Id and traceparent carry the same span').toBe(traceparent);
  const { applicationProperties: _dropped, ...fields } = message;
  return { message: Object.keys(rest).length > 0 ? { ...fields, applicationProperties: rest } : fields, traceparent: traceparent === undefined ? undefined : String(traceparent) };
}
