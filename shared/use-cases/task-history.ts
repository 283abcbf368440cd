import type { Principal } from '../auth/roles.js';
import { canSee } from '../domain/permissions.js';
import type { StoredTask } from '../domain/task-document.js';
import { notFound } from '../http/api-error.js';
import { getServices } from '../services.js';

/**
 * The task whose history the caller asks for. History is visible to whoever may see the task;
 * a deleted task's history only to admins (the trail outlives the task).
 */
export async function taskForHistory(principal: Principal, id: string): Promise<StoredTask> {
  const task = await getServices().tasks.get(id);
  const visible =
    task !== undefined &&
    (canSee(principal, task.document) || (task.document.deletedAt !== null && principal.roles.includes('admin')));
  if (!visible) throw notFound(`No task ${id} exists that you can see.`);
  return task;
}
