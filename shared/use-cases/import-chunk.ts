import { conflictWithStoredCase, rowLabel } from '../domain/case-import-rows.js';
import { emptyChunkResult } from '../domain/operation-progress.js';
import type { ChunkResult, ImportItem, OperationDocument } from '../schemas/operation.js';
import type { Services } from '../services.js';
import { requesterOf } from './operation-requester.js';

/**
 * Upserts the cases of one chunk. Checked here, not at request time, because reference data and
 * tasks may change in between: each row's location must exist, and the row must agree with what
 * is stored for its case reference (conflictWithStoredCase): an existing case keeps its
 * jurisdiction and must lie in the requester's scope, and a reference already used by tasks of
 * another jurisdiction is not imported elsewhere. Upserting the same row again writes the same
 * case, so a chunk processed twice counts and stores the same.
 */
export async function importChunk(deps: Pick<Services, 'reference' | 'tasks' | 'now'>, items: readonly ImportItem[], operation: OperationDocument): Promise<ChunkResult> {
  const { reference, tasks, now } = deps;
  const requester = requesterOf(operation);
  const locationKnown = new Map<string, boolean>();
  const taskJurisdictions = await tasks.jurisdictionsByCase(items.map((item) => item.record.caseId));
  const result = emptyChunkResult();
  for (const { row, record } of items) {
    if (!locationKnown.has(record.locationId)) locationKnown.set(record.locationId, (await reference.getLocation(record.locationId)) !== undefined);
    const refusal = !locationKnown.get(record.locationId)
      ? { field: 'locationId', message: `is not a known location (${record.locationId})` }
      : conflictWithStoredCase(record, { existing: await reference.getCase(record.caseId), taskJurisdictions: taskJurisdictions.get(record.caseId) ?? [] }, requester);
    if (refusal) {
      result.failed += 1;
      result.errors.push({ item: rowLabel(row), ...refusal });
      continue;
    }
    await reference.upsertCase(record, now().toISOString());
    result.succeeded += 1;
  }
  return result;
}
