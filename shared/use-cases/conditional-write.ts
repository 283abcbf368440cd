import { unavailable } from '../errors/app-error.js';
import { requireIfMatch } from '../domain/entity-tags.js';
import type { StoredTask, TaskDocument } from '../domain/task-document.js';
import { isPreconditionFailed } from '../store/cosmos-errors.js';
import type { TaskRepository } from '../store/task-repository.js';

const ATTEMPTS = 5;

/** What a conditional write did: `written` false when the decision found nothing to change (then after = before). */
export interface WriteOutcome {
  before: StoredTask;
  after: StoredTask;
  written: boolean;
}

/**
 * Read-modify-write of one task, conditioned on the version read. `decide` sees the current
 * state and returns the next document, or undefined for "nothing to do" (nothing is written: no
 * new version, no event); it may throw to refuse. Resolves undefined only when there is no such task.
 *
 * A conflict with a housekeeping write (the outbox being cleared) is not a conflict with the
 * caller's intent, so on 412 from the database the whole decision is re-run on fresh state; if a
 * real change happened meanwhile, `decide` sees it (and an If-Match check in it fails with 412).
 *
 * `read`: the task as the caller has just read it, if it did (for checks that must precede the
 * write): the first attempt decides on it instead of reading again, so a write costs one read and
 * one conditioned replace. It is safe because the replace is conditioned on that read's version.
 */
export async function conditionalWrite(
  tasks: TaskRepository,
  id: string,
  decide: (current: StoredTask | undefined) => TaskDocument | undefined,
  read?: StoredTask,
): Promise<WriteOutcome | undefined> {
  for (let attempt = 1; ; attempt++) {
    const current = attempt === 1 && read ? read : await tasks.get(id);
    const next = decide(current);
    if (!current) return undefined;
    if (!next) return { before: current, after: current, written: false };
    try {
      return { before: current, after: await tasks.replace(next, current), written: true };
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      if (attempt >= ATTEMPTS) {
        throw unavailable('The task is being changed by others right now. Retry shortly.', 1);
      }
    }
  }
}

/** A caller's change to one task, in the three parts whose order HTTP fixes (see callerWrite). */
export interface CallerChange {
  /**
   * 404/403: whether this caller may attempt the change on the task at all, whatever its state.
   * Throws when not, and when there is no task (404).
   */
  authorize: (task: TaskDocument | undefined) => asserts task is TaskDocument;
  /** The request's If-Match; `required`: 428 without it (PATCH, PUT, DELETE), else checked only when sent (workflow actions). */
  ifMatch: { header: string | null; required: boolean };
  /**
   * The change on the current state, once authorized and the precondition holds: 409/400 when the
   * state does not allow it, the next document, or undefined for "nothing to do".
   */
  decide: (current: StoredTask) => TaskDocument | undefined;
}

/**
 * Every caller's write to an existing task goes through here, so the order of the checks is
 * written once (RFC 9110 section 13.2.2): the request's own checks (who may do this: 404/403)
 * first, then its precondition (If-Match: 428 when required and missing, 412 when stale), and only
 * then the state of the resource (a completed task refuses changes: 409). A client holding a stale
 * ETag of a task someone has since completed is told its copy is stale (412), not that its change
 * conflicts with a state it has never seen.
 */
export async function callerWrite(tasks: TaskRepository, id: string, change: CallerChange, read?: StoredTask): Promise<WriteOutcome> {
  const outcome = await conditionalWrite(
    tasks,
    id,
    (current) => {
      change.authorize(current?.document);
      if (change.ifMatch.required || change.ifMatch.header) requireIfMatch(change.ifMatch.header, current!.etag);
      return change.decide(current!);
    },
    read,
  );
  // authorize throws for a missing task, so there is always an outcome.
  return outcome!;
}
