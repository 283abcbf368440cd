import type { Principal } from '../auth/roles.js';
import { assertMayDelete, assertVisible } from '../domain/permissions.js';
import { requireIfMatch } from '../http/conditional.js';
import { getServices } from '../services.js';

/**
 * Soft delete: the document stays (for the audit trail and recovery) with `deletedAt` set, and
 * disappears from every read. Conditioned on If-Match like every other write.
 */
export async function deleteTask(principal: Principal, id: string, ifMatch: string | null): Promise<void> {
  const { tasks, now } = getServices();
  const current = await tasks.get(id);
  assertVisible(principal, current?.document, id);
  assertMayDelete(principal);
  requireIfMatch(ifMatch, current!.etag);
  const timestamp = now().toISOString();
  await tasks.replace({ ...current!.document, deletedAt: timestamp, updatedAt: timestamp }, current!);
}
