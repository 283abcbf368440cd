import { randomBytes } from 'node:crypto';
import type { Database } from '@azure/cosmos';
import { CONTAINERS } from '../shared/config/entities.js';
import type { TaskDocument } from '../shared/domain/task-document.js';
import { recordEvent } from '../shared/domain/task-events.js';
import { priorityRank, searchTextOf } from '../shared/domain/task-rules.js';
import { JURISDICTIONS, PRIORITIES, type TaskStatus } from '../shared/schemas/task.js';
import { CounterRepository } from '../shared/store/counter-repository.js';
import { CursorCodec } from '../shared/store/cursor.js';
import { TaskRepository } from '../shared/store/task-repository.js';
import { reconcileCounters } from '../shared/use-cases/reconcile-counters.js';
import type { UserDocument } from '../shared/domain/user-document.js';
import { DEMO_LOCATIONS, DEMO_USERS } from './demo-users.js';

/**
 * Deterministic pseudo-random numbers (mulberry32), so the demo data is the same on every machine
 * (and a randomized test can be replayed with its seed).
 */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TITLES = [
  'Review appeal bundle',
  'Process hearing outcome',
  'Check application for fee remission',
  'List case for first hearing',
  'Send directions to parties',
  'Review respondent evidence',
  'Prepare case for judicial decision',
  'Follow up missing documents',
  'Translate order into Welsh',
  'Arrange interpreter for hearing',
];

const LOCATIONS = DEMO_LOCATIONS.map((location) => location.id);

/** A few hundred tasks across jurisdictions, statuses and due dates (some already overdue). */
export function demoTasks(count: number, now: Date): TaskDocument[] {
  const next = seededRandom(20261123);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const creators = DEMO_USERS.filter((user) => user.role !== 'viewer');
  /** Caseworkers who may hold a task: in its jurisdiction and, where they have locations, at its location. */
  const holdersOf = (jurisdiction: string, locationId: string) =>
    DEMO_USERS.filter(
      (user) => user.role === 'caseworker' && user.jurisdictions.includes(jurisdiction as never) && (user.locations.length === 0 || user.locations.includes(locationId)),
    );
  const hour = 3_600_000;

  return Array.from({ length: count }, (_, index): TaskDocument => {
    const roll = next();
    const status: TaskStatus = roll < 0.45 ? 'pending' : roll < 0.75 ? 'in_progress' : roll < 0.92 ? 'completed' : 'cancelled';
    const jurisdiction = pick(JURISDICTIONS);
    const locationId = pick(LOCATIONS);
    const holder = pick(holdersOf(jurisdiction, locationId)).id;
    const assignee = status === 'pending' && next() < 0.5 ? null : holder;
    const createdAt = new Date(now.getTime() - Math.floor(next() * 30 * 24) * hour - index * 1000);
    // Due between 10 days ago and 30 days ahead, so lists, sorting and the overdue count have work to do.
    const dueDate = new Date(now.getTime() + Math.floor((next() * 40 - 10) * 24) * hour);
    const title = `${pick(TITLES)} #${String(index + 1).padStart(4, '0')}`;
    const description = `Demo task ${index + 1}. Check the case file and record the outcome.`;
    const priority = pick(PRIORITIES);
    const creator = pick(creators).id;
    const holderNow = status === 'in_progress' ? (assignee ?? holder) : assignee;
    const id = `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`;
    return {
      id,
      caseId: String(1_700_000_000_000_000 + index * 7919).padStart(16, '0'),
      jurisdiction,
      locationId,
      title,
      description,
      status,
      priority,
      priorityRank: priorityRank(priority),
      dueDate: dueDate.toISOString(),
      assignee: holderNow,
      // A task someone holds was created by them (nobody else gave it to them), so seeding the
      // demo data emails nobody (docs/notifications.md); unassigned ones by any demo user.
      createdBy: holderNow ?? creator,
      createdAt: createdAt.toISOString(),
      updatedAt: createdAt.toISOString(),
      completedAt: status === 'completed' ? now.toISOString() : null,
      cancelledAt: status === 'cancelled' ? now.toISOString() : null,
      cancellationReason: status === 'cancelled' ? 'Duplicate task' : null,
      deletedAt: null,
      overdue: false,
      overdueSince: null,
      searchText: searchTextOf(title, description),
      version: 0,
      lastEventHash: null,
      pendingEvents: [],
      outboxSince: null,
      schemaVersion: 1,
    };
  }).map((task, index) =>
    // Each demo task starts with its creation event in the outbox, so the audit trail of every
    // demo task is complete once the relay has run (the local host runs it at start).
    recordEvent(null, task, {
      eventId: `00000000-0000-4000-9000-${String(index + 1).padStart(12, '0')}`,
      actor: { userId: task.createdBy, name: DEMO_USERS.find((user) => user.id === task.createdBy)?.name ?? null },
      correlationId: 'demo-data',
      now,
    }),
  );
}

export const DEMO_TASK_COUNT = 300;

/** The demo directory entries: every demo user, active. */
export function demoUserDocuments(now: Date): UserDocument[] {
  return DEMO_USERS.map((user) => ({
    id: user.id,
    name: user.name,
    email: `${user.name.toLowerCase().replace(/[^a-z]+/g, '.')}@justice.example`,
    roles: [user.role],
    jurisdictions: [...user.jurisdictions],
    locations: [...user.locations],
    active: true,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  }));
}

/** A case for each demo task's case reference. */
function demoCases(tasks: readonly TaskDocument[]) {
  return tasks.map((task, index) => ({
    id: task.caseId,
    caseId: task.caseId,
    jurisdiction: task.jurisdiction,
    locationId: task.locationId,
    caseName: `Demo v Secretary of State ${index + 1}`,
    caseType: 'Asylum',
    importedAt: task.createdAt,
  }));
}

/** Upserts in small parallel batches: quick, and gentle on a 2-core machine. */
async function upsertAll(database: Database, container: string, documents: readonly object[]): Promise<void> {
  const target = database.container(container);
  for (let i = 0; i < documents.length; i += 20) {
    await Promise.all(documents.slice(i, i + 20).map((document) => target.items.upsert(document)));
  }
}

/**
 * Seeds the demo data once: a database that already holds tasks is left alone. The tasks are
 * written straight into the database, so their counters are built as a reconciliation builds them
 * from a full count; their creation events, relayed later, then count as already counted.
 */
export async function seedDemoData(database: Database, now: Date = new Date()): Promise<number> {
  const { resources } = await database.container(CONTAINERS.tasks.name).items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll();
  if ((resources[0] ?? 0) > 0) return 0;
  const tasks = demoTasks(DEMO_TASK_COUNT, now);
  await upsertAll(database, CONTAINERS.locations.name, DEMO_LOCATIONS);
  await upsertAll(database, CONTAINERS.users.name, demoUserDocuments(now));
  await upsertAll(database, CONTAINERS.cases.name, demoCases(tasks));
  await upsertAll(database, CONTAINERS.tasks.name, tasks);
  // The full count pages through the tasks itself; no list cursor is made, so any key will do.
  const cursors = new CursorCodec([randomBytes(32)]);
  await reconcileCounters({ tasks: new TaskRepository(database, cursors), counters: new CounterRepository(database), now: () => now });
  return tasks.length;
}
