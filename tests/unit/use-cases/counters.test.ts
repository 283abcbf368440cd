import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/auth/roles.js';
import { CONTAINERS, TOPICS } from '../../../shared/config/entities.js';
import { visibilityScope, type TaskScope } from '../../../shared/domain/permissions.js';
import { caseLedgerId, type StatsFilter, type TaskCounts } from '../../../shared/domain/task-counters.js';
import type { TaskDocument } from '../../../shared/domain/task-document.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { PoisonMessageError } from '../../../shared/errors/poison-message-error.js';
import { taskEventSchema, type TaskEvent } from '../../../shared/schemas/event.js';
import { JURISDICTIONS, PRIORITIES, TASK_STATUSES, type Jurisdiction } from '../../../shared/schemas/task.js';
import type { CounterRepository } from '../../../shared/store/counter-repository.js';
import { countTaskEvent } from '../../../shared/use-cases/count-task-event.js';
import { deleteTask } from '../../../shared/use-cases/delete-task.js';
import { flagOverdue } from '../../../shared/use-cases/flag-overdue.js';
import { reconcileCounters } from '../../../shared/use-cases/reconcile-counters.js';
import { performTaskAction } from '../../../shared/use-cases/task-actions.js';
import { overdueBacklog, taskStats } from '../../../shared/use-cases/task-stats.js';
import { updateTask } from '../../../shared/use-cases/update-task.js';
import { admin, caseworker, CASEY, CHARLIE, CHRIS, CIVIL_CASEWORKER, ELSEWHERE, HOME, manager, principalOf, viewer, writeContext } from './fixtures.js';
import { seededRandom } from '../../../dev/demo-data.js';
import { newTask, useWorld, type UseCaseWorld } from './harness.js';

const world = useWorld();
const HOUR = 3_600_000;


/** The full count: one COUNT query per status, priority and overdue over the tasks, as stats were computed before the counters. */
async function fullCount(scope: TaskScope, filter: StatsFilter): Promise<TaskCounts> {
  const { tasks } = world.services;
  const byStatus = Object.fromEntries(await Promise.all(TASK_STATUSES.map(async (status) => [status, await tasks.count({ ...filter, status: [status] }, scope)]))) as TaskCounts['byStatus'];
  const byPriority = Object.fromEntries(await Promise.all(PRIORITIES.map(async (priority) => [priority, await tasks.count({ ...filter, priority: [priority] }, scope)]))) as TaskCounts['byPriority'];
  const overdue = await tasks.count({ ...filter, overdue: true }, scope);
  return { byStatus, byPriority, overdue, total: TASK_STATUSES.reduce((sum, status) => sum + byStatus[status], 0) };
}

const casey = principalOf(CASEY);
const charlie = principalOf(CHARLIE);
const civilCaseworker = principalOf(CIVIL_CASEWORKER);

/** Callers and filters whose counts must agree with the full count: every scope kind and every filter. */
function views(cases: readonly string[]): [string, Principal, StatsFilter][] {
  return [
    ['admin, everything', admin, {}],
    ['manager, their scope', manager, {}],
    ['manager, a jurisdiction outside their scope', manager, { jurisdiction: ['CIVIL'] }],
    ['manager, IA at one location', manager, { jurisdiction: ['IA'], locationId: HOME }],
    ['manager, unassigned', manager, { assignee: 'unassigned' }],
    ["manager, Casey's", manager, { assignee: CASEY }],
    ['caseworker: own and unassigned', caseworker, {}],
    ['caseworker, me', caseworker, { assignee: caseworker.userId }],
    ["caseworker, someone else's (none visible)", caseworker, { assignee: CHRIS }],
    ['caseworker of one location', charlie, {}],
    ['caseworker of CIVIL, unassigned', civilCaseworker, { assignee: 'unassigned' }],
    ['viewer, SSCS and EMPLOYMENT', viewer, { jurisdiction: ['SSCS', 'EMPLOYMENT'] }],
    ...cases.flatMap((caseId): [string, Principal, StatsFilter][] => [
      [`admin, case ${caseId}`, admin, { caseId }],
      [`caseworker, case ${caseId}`, caseworker, { caseId }],
      [`manager, case ${caseId}, elsewhere`, manager, { caseId, locationId: ELSEWHERE }],
    ]),
  ];
}

async function expectCountersAgree(cases: readonly string[]): Promise<void> {
  for (const [name, principal, filter] of views(cases)) {
    const scope = visibilityScope(principal);
    expect(await taskStats(world.services, scope, filter), name).toEqual(await fullCount(scope, filter));
  }
  const backlog = await overdueBacklog(world.services);
  for (const jurisdiction of JURISDICTIONS) {
    expect(backlog[jurisdiction], `overdue backlog of ${jurisdiction}`).toBe(await world.services.tasks.count({ overdue: true, jurisdiction: [jurisdiction] }, { kind: 'all' }));
  }
}

/** Who may hold a task of this jurisdiction (a caseworker of it, at every location), or nobody. */
const holders = (jurisdiction: Jurisdiction): (string | null)[] => (jurisdiction === 'CIVIL' ? [CIVIL_CASEWORKER, null] : [CASEY, CHRIS, null]);

/**
 * A random workload of every kind of task write, with the events' delivery to the counters held
 * back: creates on a few shared cases, edits of location, priority, assignee and status, claims,
 * completions, cancellations, reopenings, deletions and overdue flags. Refusals (a completed task
 * cannot be edited, a caseworker cannot assign…) are part of the mix and change nothing.
 */
async function randomWorkload(w: UseCaseWorld, seed: number, operations: number): Promise<{ cases: string[]; events: TaskEvent[] }> {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const cases = Array.from({ length: 5 }, (_, i) => `77${String(seed).padStart(6, '0')}${String(i).padStart(8, '0')}`);
  const sentBefore = w.messaging.sent.length;
  const ids: { id: string; jurisdiction: Jurisdiction }[] = [];
  for (let i = 0; i < operations; i++) {
    const roll = next();
    try {
      if (roll < 0.25 || ids.length < 3) {
        const jurisdiction = pick(['IA', 'IA', 'SSCS', 'CIVIL'] as const);
        const by = jurisdiction === 'CIVIL' ? admin : manager;
        const dueDate = new Date(w.clock.now().getTime() + (next() < 0.4 ? HOUR : 30 * 24 * HOUR)).toISOString();
        const created = await newTask(w, by, { caseId: pick(cases), jurisdiction, locationId: pick([HOME, ELSEWHERE]), priority: pick(PRIORITIES), assignee: pick(holders(jurisdiction)), dueDate });
        ids.push({ id: created.document.id, jurisdiction });
        continue;
      }
      const { id, jurisdiction } = pick(ids);
      const current = (await w.services.tasks.get(id))!;
      const by = jurisdiction === 'CIVIL' ? admin : pick([manager, admin]);
      if (roll < 0.45) {
        const change = pick([{ priority: pick(PRIORITIES) }, { locationId: pick([HOME, ELSEWHERE]) }, { assignee: pick(holders(jurisdiction)) }, { status: pick(['pending', 'in_progress'] as const) }, { title: 'Edited' }]);
        await updateTask(w.services, by, id, current.etag, change, writeContext(by));
      } else if (roll < 0.55) {
        await performTaskAction(w.services, jurisdiction === 'CIVIL' ? civilCaseworker : casey, id, 'claim', null, {}, writeContext(casey));
      } else if (roll < 0.65) {
        await performTaskAction(w.services, by, id, pick(['complete', 'reopen', 'unclaim'] as const), null, {}, writeContext(by));
      } else if (roll < 0.72) {
        await performTaskAction(w.services, by, id, 'cancel', null, { reason: 'No longer needed' }, writeContext(by));
      } else if (roll < 0.8) {
        await performTaskAction(w.services, by, id, 'assign', null, { userId: pick(holders(jurisdiction)) }, writeContext(by));
      } else if (roll < 0.88) {
        w.clock.advance(2 * HOUR);
        await flagOverdue(w.services, id, 'workload');
      } else if (roll < 0.92) {
        await deleteTask(w.services, admin, id, current.etag, writeContext(admin));
      }
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
  }
  const events = w.messaging.sent
    .slice(sentBefore)
    .filter((record) => record.entity === TOPICS.taskEvents.name)
    .map((record) => taskEventSchema.parse(record.message.body) as TaskEvent);
  return { cases, events };
}

/**
 * The counters repository, except that writes crash: before the write reaches the database, or
 * after it did but before the caller hears so, as a process dying at either moment would.
 */
function crashingCounters(real: CounterRepository, next: () => number, rate: number): CounterRepository {
  const crash = () => new Error('crash');
  const wrap = <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const roll = next();
      if (roll < rate / 2) throw crash();
      const result = await write(...args);
      if (roll < rate) throw crash();
      return result;
    };
  return Object.assign(Object.create(real) as CounterRepository, {
    putLedger: wrap(real.putLedger.bind(real)),
    putTotals: wrap(real.putTotals.bind(real)),
  });
}

/** Delivers each event until it is handled, as Service Bus redelivers after a failure. */
async function deliverUntilDone(counters: CounterRepository, event: TaskEvent): Promise<void> {
  for (let delivery = 1; delivery <= 50; delivery++) {
    try {
      await countTaskEvent({ counters, now: world.services.now }, event);
      return;
    } catch (error) {
      if ((error as Error).message !== 'crash') throw error;
    }
  }
  throw new Error(`event ${event.id} was never counted`);
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('task counters', () => {
  it('agree with a full count after a random workload whose events arrive shuffled, repeated and through crashes', async () => {
    world.messaging.deliver = undefined;
    const seed = 1313;
    const next = seededRandom(seed);
    const { cases, events } = await randomWorkload(world, seed, 120);
    expect(events.length).toBeGreaterThan(40);
    // Each event delivered one to three times, in random order, with one write in five crashing.
    const deliveries = shuffled(events.flatMap((event) => Array.from({ length: 1 + Math.floor(next() * 3) }, () => event)), next);
    const counters = crashingCounters(world.services.counters, next, 0.2);
    for (const event of deliveries) await deliverUntilDone(counters, event);
    await expectCountersAgree(cases);
  });

  it('count a redelivered or older event as nothing, and finish a move a crash left halfway', async () => {
    world.messaging.deliver = undefined;
    const task = await newTask(world, manager, { assignee: null });
    await performTaskAction(world.services, casey, task.document.id, 'claim', null, {}, writeContext(casey));
    const [created, claimed] = world.messaging.sentTo(TOPICS.taskEvents.name).slice(-2).map((message) => taskEventSchema.parse(message.body) as TaskEvent);
    const counters = world.services.counters;

    expect(await countTaskEvent(world.services, claimed!)).toBe('counted');
    // The creation arrives late: the ledger is already past it.
    expect(await countTaskEvent(world.services, created!)).toBe('duplicate');
    expect(await countTaskEvent(world.services, claimed!)).toBe('duplicate');

    // A crash right after the ledger recorded a move, before the totals had it: the move waits in the ledger…
    await updateTask(world.services, manager, task.document.id, '"2"', { priority: 'urgent' }, writeContext(manager));
    const updated = taskEventSchema.parse(world.messaging.sentTo(TOPICS.taskEvents.name).at(-1)!.body) as TaskEvent;
    let writes = 0;
    const dying = Object.assign(Object.create(counters) as CounterRepository, {
      putTotals: async () => {
        writes += 1;
        throw new Error('crash');
      },
    });
    await expect(countTaskEvent({ counters: dying, now: world.services.now }, updated)).rejects.toThrow('crash');
    expect(writes).toBe(1);
    const ledger = await counters.getLedger(task.document.caseId);
    expect(ledger!.document.tasks[task.document.id]!.pending).toMatchObject({ seq: 3 });

    // …and the redelivery finishes it, once.
    expect(await countTaskEvent(world.services, updated)).toBe('duplicate');
    const settled = await counters.getLedger(task.document.caseId);
    expect(settled!.document.tasks[task.document.id]).toEqual({ seq: 3, counted: expect.objectContaining({ priority: 'urgent', assignee: CASEY }) });
    expect(await countTaskEvent(world.services, updated)).toBe('duplicate');
    await expectCountersAgree([task.document.caseId]);
  });

  it('count a move and its undoing delivered in reverse order as no move at all', async () => {
    world.messaging.deliver = undefined;
    const task = await newTask(world, manager, { priority: 'low' });
    await countTaskEvent(world.services, taskEventSchema.parse(world.messaging.sentTo(TOPICS.taskEvents.name).at(-1)!.body) as TaskEvent);
    await updateTask(world.services, manager, task.document.id, '"1"', { priority: 'urgent' }, writeContext(manager));
    await updateTask(world.services, manager, task.document.id, '"2"', { priority: 'low' }, writeContext(manager));
    const [there, back] = world.messaging.sentTo(TOPICS.taskEvents.name).slice(-2).map((message) => taskEventSchema.parse(message.body) as TaskEvent);
    // The undoing first: nothing counted changes, but the ledger now knows sequence 3…
    expect(await countTaskEvent(world.services, back!)).toBe('recorded');
    // …so the move it undid, arriving late, is superseded.
    expect(await countTaskEvent(world.services, there!)).toBe('duplicate');
    await expectCountersAgree([task.document.caseId]);
  });

  it('refuse an event that does not match its hash (poison: dead-lettered, never counted)', async () => {
    const task = await newTask(world);
    const event = taskEventSchema.parse(world.messaging.sentTo(TOPICS.taskEvents.name).at(-1)!.body) as TaskEvent;
    expect(event.taskId).toBe(task.document.id);
    await expect(countTaskEvent(world.services, { ...event, sequence: 99, after: { ...event.after!, priority: 'low' } })).rejects.toBeInstanceOf(PoisonMessageError);
  });

  it('are brought back to a full count by a reconciliation, also while events are being counted', async () => {
    world.messaging.deliver = undefined;
    const { cases, events } = await randomWorkload(world, 2027, 60);
    const half = Math.floor(events.length / 2);
    for (const event of events.slice(0, half)) await countTaskEvent(world.services, event);

    // Drift of every kind: a lost ledger, a corrupted totals document, a task written straight into the database.
    const ledgers = world.services.database.container(CONTAINERS.caseCounters.name);
    await ledgers.item(caseLedgerId(cases[0]!), caseLedgerId(cases[0]!)).delete().catch(() => undefined);
    const container = world.services.database.container(CONTAINERS.counters.name);
    const { resources: totals } = await container.items.query<{ id: string; cells: Record<string, number[]> }>('SELECT * FROM c').fetchAll();
    const victim = totals.find((document) => Object.keys(document.cells).length > 0)!;
    const [key] = Object.keys(victim.cells);
    victim.cells[key!] = victim.cells[key!]!.map((value) => value + 5);
    await container.items.upsert(victim);
    const stray = (await newTask(world, manager, { caseId: cases[1]! })).document;
    const direct: TaskDocument = { ...stray, id: '5e1f0000-0000-4000-8000-000000000001', pendingEvents: [], outboxSince: null };
    await world.services.tasks.create(direct);

    // The rest of the events are counted while the reconciliation runs.
    const [outcome] = await Promise.all([
      reconcileCounters(world.services),
      (async () => {
        for (const event of events.slice(half)) await countTaskEvent(world.services, event);
      })(),
    ]);
    expect(outcome.tasksCaughtUp).toBeGreaterThan(0);
    expect(outcome.totalsLeft).toBe(0);
    // The stray task's own creation event, published late, is now an old one.
    for (const message of world.messaging.sentTo(TOPICS.taskEvents.name).slice(-1)) await countTaskEvent(world.services, taskEventSchema.parse(message.body) as TaskEvent);
    await expectCountersAgree(cases);

    // A second run finds nothing to do.
    expect(await reconcileCounters(world.services)).toMatchObject({ tasksCaughtUp: 0, totalsCorrected: 0, totalsLeft: 0 });
  });
});
