import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/roles.js';
import { assigneeForNewTask } from '../domain/permissions.js';
import type { StoredTask } from '../domain/task-document.js';
import { recordEvent } from '../domain/task-events.js';
import { newTaskDocument } from '../domain/task-rules.js';
import { publishAfterWrite } from '../events/outbox.js';
import type { CreateTaskInput } from '../schemas/task.js';
import type { Services } from '../services.js';
import { assertAssignable, assertKnownLocation, assertMatchesCase } from './reference-checks.js';
import { eventFacts, type WriteContext } from './write-context.js';

export type CreateTaskDeps = Pick<Services, 'tasks' | 'messaging' | 'reference' | 'users' | 'now'>;

/** Validates a new task against the caller's scope and the reference data, without writing. */
export async function prepareNewTask(deps: Pick<Services, 'reference' | 'users'>, principal: Principal, input: CreateTaskInput): Promise<string | null> {
  const assignee = assigneeForNewTask(principal, input, input.assignee);
  await assertKnownLocation(deps, input.locationId);
  await assertMatchesCase(deps, input.caseId, input.jurisdiction);
  if (assignee !== null) await assertAssignable(deps, assignee, input);
  return assignee;
}

/** Creates a task with its `task.created` event in the same document write, then publishes it. */
export async function createTask(deps: CreateTaskDeps, principal: Principal, input: CreateTaskInput, context: WriteContext): Promise<StoredTask> {
  const assignee = await prepareNewTask(deps, principal, input);
  const now = deps.now();
  const document = newTaskDocument(input, { id: randomUUID(), createdBy: principal.userId, assignee, now });
  const stored = await deps.tasks.create(recordEvent(null, document, eventFacts(context, now)));
  await publishAfterWrite(stored, deps, context);
  return stored;
}
