import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../../shared/domain/audit-chain.js';
import { eventHash } from '../../../shared/domain/event-hash.js';
import { MAX_PENDING_EVENTS, recordEvent } from '../../../shared/domain/task-events.js';
import type { AppError } from '../../../shared/errors/app-error.js';
import { problemResponse } from '../../../shared/http/problem-response.js';
import { applyTaskChange, newTaskDocument } from '../../../shared/domain/task-rules.js';
import type { TaskDocument } from '../../../shared/domain/task-document.js';
import type { TaskEvent } from '../../../shared/schemas/event.js';

const now = new Date('2026-11-23T10:00:00.000Z');
const facts = (n: number) => ({ eventId: `00000000-0000-4000-8000-00000000000${n}`, actor: { userId: 'u1', name: null }, correlationId: 'c', now });

function history(): { events: TaskEvent[]; task: TaskDocument } {
  let task = recordEvent(
    null,
    newTaskDocument(
      { caseId: '1234567812345678', jurisdiction: 'IA', locationId: '1', title: 'T', description: '', priority: 'low', dueDate: '2030-01-01T00:00:00.000Z' },
      { id: '0b8f6f0e-3c2a-4a51-9d1e-1b2c3d4e5f60', createdBy: 'u1', assignee: 'u1', now },
    ),
    facts(1),
  );
  task = recordEvent(task, applyTaskChange(task, { title: 'T2' }, now), facts(2));
  task = recordEvent(task, applyTaskChange(task, { status: 'completed' }, now), facts(3));
  return { events: task.pendingEvents, task };
}

describe('task events', () => {
  it('number, name and chain each change', () => {
    const { events, task } = history();
    expect(events.map((event) => [event.sequence, event.type, event.changes])).toEqual([
      [1, 'task.created', []],
      [2, 'task.updated', ['title']],
      [3, 'task.completed', ['status']],
    ]);
    expect(events[1]!.previousHash).toBe(events[0]!.hash);
    expect(task.version).toBe(3);
    expect(task.lastEventHash).toBe(events[2]!.hash);
    expect(task.outboxSince).toBe(events[0]!.occurredAt);
    expect(events[1]!.before?.title).toBe('T');
    expect(events[1]!.after?.title).toBe('T2');
  });
});

describe('outbox backpressure', () => {
  it('refuses a change with a retryable 503 once a task holds MAX_PENDING_EVENTS unpublished events', () => {
    // An open task: the first event of the history (creation), not yet published.
    let task = recordEvent(null, { ...history().task, version: 0, lastEventHash: null, pendingEvents: [], outboxSince: null, status: 'pending', completedAt: null }, facts(1));
    while (task.pendingEvents.length < MAX_PENDING_EVENTS) task = recordEvent(task, applyTaskChange(task, { description: `d${task.version}` }, now), facts(4));
    let refusal: unknown;
    try {
      recordEvent(task, applyTaskChange(task, { title: 'one more' }, now), facts(5));
    } catch (error) {
      refusal = error;
    }
    // As the API answers it: 503 with Retry-After.
    const answer = problemResponse(refusal as AppError, { instance: '/t', correlationId: 'c' });
    expect(answer).toMatchObject({ status: 503, headers: expect.objectContaining({ 'Retry-After': '30' }) });
    // Once published (the outbox emptied), changes are accepted again.
    expect(recordEvent({ ...task, pendingEvents: [] }, applyTaskChange({ ...task, pendingEvents: [] }, { title: 'ok' }, now), facts(6)).pendingEvents).toHaveLength(1);
  });
});

describe('verifyChain', () => {
  it('accepts an untouched, complete trail', () => {
    const { events, task } = history();
    expect(verifyChain(events, task)).toEqual({ intact: true, upToDate: true, records: 3, taskVersion: 3, problems: [] });
  });

  it('detects an altered record', () => {
    const { events, task } = history();
    const tampered = events.map((event) => (event.sequence === 2 ? { ...event, after: { ...event.after!, title: 'Forged' } } : event));
    const report = verifyChain(tampered, task);
    expect(report.intact).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ sequence: 2, problem: 'hash_mismatch' })]);
  });

  it('detects a missing record', () => {
    const { events, task } = history();
    const report = verifyChain([events[0]!, events[2]!], task);
    expect(report.intact).toBe(false);
    expect(report.problems.map((problem) => problem.problem)).toContain('missing');
  });

  it('detects a substituted record whose own hash is consistent', () => {
    const { events, task } = history();
    const other = history().events[1]!;
    const forged = { ...other, previousHash: 'f'.repeat(64) };
    const substituted = [events[0]!, { ...forged, hash: eventHash(forged) }, events[2]!];
    const report = verifyChain(substituted, task);
    expect(report.problems.map((problem) => problem.problem)).toContain('broken_link');
  });

  it('reports a trail still catching up as intact but not up to date', () => {
    const { events, task } = history();
    expect(verifyChain(events.slice(0, 2), task)).toMatchObject({ intact: true, upToDate: false, records: 2 });
  });
});
