import { rowLabel } from '../domain/case-import-rows.js';
import { inWorkScope } from '../domain/permissions.js';
import { emptyChunkResult } from '../domain/operation-progress.js';
import type { ChunkResult, ImportItem, OperationDocument } from '../schemas/operation.js';
import type { Services } from '../services.js';
import { requesterOf } from './operation-requester.js';

/**
 * Upserts the cases of one chunk. Each row's location must exist now (checked here, not at request
 * time, because reference data may change in between), and an existing case must lie in the
 * requester's scope: a manager must not move another jurisdiction's case into their own by
 * importing its reference. Upserting the same row again writes the same case, so a chunk processed
 * twice counts and stores the same.
 */
export async function importChunk(deps: Pick<Services, 'reference' | 'now'>, items: readonly ImportItem[], operation: OperationDocument): Promise<ChunkResult> {
  const { reference, now } = deps;
  const requester = requesterOf(operation);
  const locationKnown = new Map<string, boolean>();
  const result = emptyChunkResult();
  for (const { row, record } of items) {
    if (!locationKnown.has(record.locationId)) locationKnown.set(record.locationId, (await reference.getLocation(record.locationId)) !== undefined);
    const existing = await reference.getCase(record.caseId);
    const refusal = !locationKnown.get(record.locationId)
      ? { field: 'locationId', message: `is not a known location (${record.locationId})` }
      : existing && !inWorkScope(requester, existing)
        ? { field: 'caseId', message: `is an existing ${existing.jurisdiction} case outside your work scope` }
        : undefined;
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
