import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/auth/roles.js';
import { conflictWithStoredCase, USED_OUTSIDE_SCOPE } from '../../../shared/domain/case-import-rows.js';
import type { CaseRecord } from '../../../shared/schemas/reference.js';
import { deleteTask } from '../../../shared/use-cases/delete-task.js';
import { processChunk } from '../../../shared/use-cases/process-chunk.js';
import { startCaseImport } from '../../../shared/use-cases/start-case-import.js';
import { admin, chunkMessage, chunkRun, ELSEWHERE, fakeInvocation, HOME, manager, principalOf, startContext, writeContext } from './fixtures.js';
import { newTask, useWorld } from './harness.js';

const world = useWorld();

// The demo manager works in IA, SSCS and EMPLOYMENT; the southern one in CIVIL, FAMILY, PRIVATELAW and PUBLICLAW.
const southManager = principalOf('b0000000-0000-4000-8000-000000000002');

let sequence = 0;
const nextCaseId = () => `6${String(++sequence).padStart(15, '0')}`;
const row = (caseId: string, jurisdiction: CaseRecord['jurisdiction'], locationId: string = HOME): CaseRecord =>
  ({ caseId, jurisdiction, locationId, caseName: `Case ${caseId}`, caseType: 'Type' });

/** Runs an import as the worker does: the request, then each chunk; returns the finished operation. */
async function importCases(principal: Principal, rows: CaseRecord[]) {
  const operation = await startCaseImport(world.services, principal, { cases: rows }, startContext('import-test'));
  for (let chunk = 0; chunk < operation.progress.totalChunks; chunk++) {
    await processChunk(world.services, chunkMessage(operation, chunk), chunkRun(fakeInvocation()), 1);
  }
  return (await world.services.operations.get(operation.id))!.document;
}

const iaTaskOn = (caseId: string) => newTask(world, manager, { caseId, jurisdiction: 'IA' });

describe('a case import agrees with the tasks already on the case', () => {
  it('refuses a case reference used by IA tasks in another jurisdiction, with the reason; IA can still add tasks to its case', async () => {
    const caseId = nextCaseId();
    await iaTaskOn(caseId);
    const done = await importCases(admin, [row(caseId, 'FAMILY', ELSEWHERE)]);
    expect(done).toMatchObject({ status: 'completed_with_errors', progress: { succeeded: 0, failed: 1 } });
    expect(done.errors).toEqual([{ item: 'row 1', field: 'caseId', message: 'is used by IA tasks' }]);
    expect(await world.services.reference.getCase(caseId)).toBeUndefined();
    await expect(iaTaskOn(caseId)).resolves.toMatchObject({ document: { caseId, jurisdiction: 'IA' } });
  });

  it('imports the case in the jurisdiction of its tasks, and ignores deleted tasks', async () => {
    const agreeing = nextCaseId();
    await iaTaskOn(agreeing);
    const onlyDeleted = nextCaseId();
    const deleted = await iaTaskOn(onlyDeleted);
    await deleteTask(world.services, admin, deleted.document.id, deleted.etag, writeContext(admin));
    const done = await importCases(admin, [row(agreeing, 'IA'), row(onlyDeleted, 'FAMILY', ELSEWHERE)]);
    expect(done).toMatchObject({ status: 'succeeded', progress: { succeeded: 2, failed: 0 } });
    expect((await world.services.reference.getCase(agreeing))?.jurisdiction).toBe('IA');
  });

  it('keeps an existing case in its jurisdiction: a re-import elsewhere is refused; a re-import in place succeeds', async () => {
    const caseId = nextCaseId();
    expect(await importCases(manager, [row(caseId, 'IA')])).toMatchObject({ status: 'succeeded' });
    const moved = await importCases(manager, [row(caseId, 'SSCS')]);
    expect(moved.errors).toEqual([{ item: 'row 1', field: 'jurisdiction', message: 'must be IA: the case is already imported in IA, and a case keeps its jurisdiction' }]);
    expect((await world.services.reference.getCase(caseId))?.jurisdiction).toBe('IA');
    expect(await importCases(manager, [{ ...row(caseId, 'IA'), caseName: 'Renamed' }])).toMatchObject({ status: 'succeeded' });
    expect((await world.services.reference.getCase(caseId))?.caseName).toBe('Renamed');
  });

  it('tells a requester nothing about a case or tasks outside their scope: one answer for both, naming no jurisdiction', async () => {
    const importedElsewhere = nextCaseId();
    expect(await importCases(admin, [row(importedElsewhere, 'IA')])).toMatchObject({ status: 'succeeded' });
    const tasksElsewhere = nextCaseId();
    await iaTaskOn(tasksElsewhere);
    const done = await importCases(southManager, [row(importedElsewhere, 'FAMILY', ELSEWHERE), row(tasksElsewhere, 'FAMILY', ELSEWHERE)]);
    expect(done.errors).toEqual([
      { item: 'row 1', field: 'caseId', message: USED_OUTSIDE_SCOPE },
      { item: 'row 2', field: 'caseId', message: USED_OUTSIDE_SCOPE },
    ]);
  });
});

describe('conflictWithStoredCase (the rule)', () => {
  const record = row('1234567812345678', 'IA');
  it('accepts a new reference, or one whose tasks and case are in the row’s jurisdiction', () => {
    expect(conflictWithStoredCase(record, { existing: undefined, taskJurisdictions: [] }, manager)).toBeUndefined();
    expect(conflictWithStoredCase(record, { existing: { jurisdiction: 'IA', locationId: '765324' }, taskJurisdictions: ['IA'] }, manager)).toBeUndefined();
  });

  it('names the other jurisdictions of the tasks when the requester works in them, and nothing otherwise', () => {
    expect(conflictWithStoredCase(record, { existing: undefined, taskJurisdictions: ['SSCS', 'IA', 'EMPLOYMENT'] }, manager)).toEqual({ field: 'caseId', message: 'is used by EMPLOYMENT and SSCS tasks' });
    expect(conflictWithStoredCase(record, { existing: undefined, taskJurisdictions: ['SSCS', 'FAMILY'] }, manager)).toEqual({ field: 'caseId', message: USED_OUTSIDE_SCOPE });
    expect(conflictWithStoredCase(record, { existing: undefined, taskJurisdictions: ['FAMILY'] }, admin)).toEqual({ field: 'caseId', message: 'is used by FAMILY tasks' });
  });

  it('keeps an existing case where it is, and hides one outside the requester’s scope', () => {
    expect(conflictWithStoredCase(record, { existing: { jurisdiction: 'SSCS', locationId: '765324' }, taskJurisdictions: [] }, manager)).toMatchObject({ field: 'jurisdiction', message: expect.stringMatching(/^must be SSCS/) });
    expect(conflictWithStoredCase(record, { existing: { jurisdiction: 'FAMILY', locationId: '765324' }, taskJurisdictions: [] }, manager)).toEqual({ field: 'caseId', message: USED_OUTSIDE_SCOPE });
  });
});
