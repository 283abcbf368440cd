import type { Principal } from '../auth/roles.js';
import { canSee } from '../domain/permissions.js';
import type { StoredTask } from '../domain/task-document.js';
import { notFound } from '../errors/app-error.js';
import type { Services } from '../services.js';

/**
 * The task whose history the caller asks for. History is visible to whoever may see the task;
 * a deleted task's history only to admins (the trail outlives the task).
 */
export async function taskForHistory(deps: Pick<Services, 'tasks'>, principal: Principal, id: string): Promise<StoredTask> {
  const task = await deps.tasks.get(id);
  const visible =
    task !== undefined &&
    (canSee(principal, task.document) || (task.document.deletedAt !== null && principal.roles.includes('admin')));
  if (!visible) throw notFound(`No task ${id} exists that you can see.`);
  return task;
}
