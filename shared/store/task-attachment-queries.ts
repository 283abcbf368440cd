import type { SqlQuerySpec } from '@azure/cosmos';

/**
 * The sweep's queries over the tasks container (shared/use-cases/sweep-notes-attachments.ts): each
 * finds the few tasks with housekeeping to do. Deleted tasks are included: their leftovers (an
 * unfinished upload, a pending note write) are cleaned up all the same.
 */

/** Note writes a crash left pending since before `cutoff`. */
export function buildNoteWritesQuery(cutoff: string): SqlQuerySpec {
  return { query: 'SELECT * FROM c WHERE c.noteWritesSince != null AND c.noteWritesSince < @cutoff ORDER BY c.noteWritesSince ASC', parameters: [{ name: '@cutoff', value: cutoff }] };
}

/** Uploads never completed, whose URL stopped working before `cutoff`. */
export function buildExpiredUploadsQuery(cutoff: string): SqlQuerySpec {
  return {
    query: "SELECT * FROM c WHERE EXISTS(SELECT VALUE a FROM a IN c.attachments WHERE a.status = 'pending' AND a.uploadExpiresAt < @cutoff)",
    parameters: [{ name: '@cutoff', value: cutoff }],
  };
}

/** Files offered only once scanned (malware scanning on) that have no scan result yet. */
export function buildUnscannedFilesQuery(): SqlQuerySpec {
  return { query: "SELECT * FROM c WHERE EXISTS(SELECT VALUE a FROM a IN c.attachments WHERE a.status = 'available' AND a.scan = 'not_scanned')", parameters: [] };
}
