import type { Principal } from '../auth/roles.js';
import { assertMayChange, assertVisible } from '../domain/permissions.js';
import type { StoredTask } from '../domain/task-document.js';
import { applyTaskChange, type TaskChange } from '../domain/task-rules.js';
import { requireIfMatch } from '../http/conditional.js';
import { getServices } from '../services.js';

/**
 * The one path every change to a task takes: load, check visibility (404) and If-Match
 * (428/412), check the caller may make this change (403), apply the lifecycle rules (409/400),
 * then write conditioned on the ETag that was checked, so a concurrent change still gets 412.
 */
export async function updateTask(principal: Principal, id: string, ifMatch: string | null, change: TaskChange): Promise<StoredTask> {
  const { tasks, now } = getServices();
  const current = await tasks.get(id);
  assertVisible(principal, current?.document, id);
  requireIfMatch(ifMatch, current!.etag);
  assertMayChange(principal, current!.document, change);
  const next = applyTaskChange(current!.document, change, now());
  return tasks.replace(next, current!);
}
