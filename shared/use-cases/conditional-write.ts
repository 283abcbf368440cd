import { unavailable } from '../errors/app-error.js';
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
