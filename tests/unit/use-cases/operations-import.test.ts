import { describe, expect, it } from 'vitest';
import { CONTAINERS, QUEUES, SERVICE_BUS_DELIVERY } from '../../../shared/config/entities.js';
import { chunkDocumentId, chunkMessageId, IMPORT_CHUNK_SIZE } from '../../../shared/domain/operation-chunks.js';
import { mergeChunkResult } from '../../../shared/domain/operation-progress.js';
import type { ChunkMessage, ChunkResult, OperationDocument } from '../../../shared/schemas/operation.js';
import type { CaseRecord } from '../../../shared/schemas/reference.js';
import type { OperationRepository, StoredOperation } from '../../../shared/store/operation-repository.js';
import type { ReferenceRepository } from '../../../shared/store/reference-repository.js';
import type { CaseDocument } from '../../../shared/store/reference-repository.js';
import { dispatchOperation } from '../../../shared/use-cases/dispatch-operation.js';
import { DISPATCH_GRACE_MS, dispatchStalledOperations } from '../../../shared/use-cases/dispatch-stalled-operations.js';
import { processChunk } from '../../../shared/use-cases/process-chunk.js';
import { startCaseImport } from '../../../shared/use-cases/start-case-import.js';
import { updateOperation } from '../../../shared/use-cases/update-operation.js';
import { DEMO_LOCATIONS } from '../../../dev/demo-users.js';
import { afterEachRead, chunkMessage, chunkRun, fakeInvocation, lockstep, manager, startContext, splitTraceContext } from './fixtures.js';
import { useWorld } from './harness.js';

const world = useWorld();

let caseCounter = 0;
/** A valid import row in IA (the demo manager's jurisdiction), with a case reference no demo case has. */
function caseRow(overrides: Partial<CaseRecord> = {}): CaseRecord {
  caseCounter += 1;
  return {
    caseId: `6${String(caseCounter).padStart(15, '0')}`,
    jurisdiction: 'IA',
    locationId: DEMO_LOCATIONS[caseCounter % DEMO_LOCATIONS.length]!.id,
    caseName: `Import v Secretary of State ${caseCounter}`,
    caseType: 'Asylum',
    ...overrides,
  };
}

const validRows = (count: number) => Array.from({ length: count }, () => caseRow());

const stored = async (id: string): Promise<StoredOperation> => (await world.services.operations.get(id))!;
const chunkMessagesOf = (operationId: string) =>
  world.messaging.sentTo(QUEUES.operations.name).filter((message) => (message.body as ChunkMessage).operationId === operationId);

/** A case of the demo data in a jurisdiction the demo manager does not work in. */
async function demoCaseOutsideScope(): Promise<CaseDocument> {
  const { resources } = await world.services.database
    .container(CONTAINERS.cases.name)
    .items.query<string>("SELECT TOP 1 VALUE c.id FROM c WHERE c.jurisdiction = 'CIVIL'")
    .fetchAll();
  return (await world.services.reference.getCase(resources[0]!))!;
}

/** The operations repository, except that a write merging `chunk` fails as if the process died there. */
function crashingAtMerge(real: OperationRepository, chunk: number): OperationRepository {
  return Object.assign(Object.create(real) as OperationRepository, {
    async replace(operation: OperationDocument, expected: StoredOperation) {
      if (operation.doneChunks.includes(chunk)) throw new Error('worker died before merging its result');
      return real.replace(operation, expected);
    },
  });
}

/** The operations repository, except that the first `readers` reads wait for each other: they all see the same version. */
function lockstepReads(real: OperationRepository, readers: number) {
  const arrive = lockstep(readers);
  return afterEachRead(real, () => arrive());
}

describe('startCaseImport', () => {
  it('settles refused rows at once and queues one message per chunk of the accepted ones', async () => {
    const rows: unknown[] = validRows(IMPORT_CHUNK_SIZE + 50);
    const first = rows[0] as CaseRecord;
    rows.splice(1, 0, caseRow({ jurisdiction: 'CIVIL' }));
    rows.splice(4, 0, { ...caseRow(), caseId: '123' });
    rows.push({ ...caseRow(), caseId: first.caseId });
    const context = startContext('import-correlation');

    const operation = await startCaseImport(world.services, manager, { cases: rows }, context);

    expect(operation).toMatchObject({
      type: 'case-import',
      status: 'queued',
      requestedBy: { userId: manager.userId, name: manager.name },
      correlationId: 'import-correlation',
      parameters: { rows: 153 },
      createdAt: world.clock.now().toISOString(),
      completedAt: null,
      progress: { totalItems: 153, processedItems: 3, succeeded: 0, failed: 3, skipped: 0, totalChunks: 2, completedChunks: 0 },
      omittedErrors: 0,
      doneChunks: [],
      abortedChunks: [],
      dispatchedAt: world.clock.now().toISOString(),
    });
    expect(operation.errors).toEqual([
      { item: 'row 2', field: 'jurisdiction', message: 'is outside your work scope: you do not work in CIVIL' },
      { item: 'row 5', field: 'caseId', message: 'must be a 16-digit CCD case reference' },
      { item: 'row 153', field: 'caseId', message: 'repeats the case reference of row 1' },
    ]);
    expect(context.warnings).toEqual([]);
    expect((await stored(operation.id)).document).toEqual(operation);

    const messages = chunkMessagesOf(operation.id).map((message) => splitTraceContext(message).message);
    expect(messages).toEqual([
      { messageId: chunkMessageId(operation.id, 0), body: { operationId: operation.id, chunk: 0 }, subject: 'operation.case-import', correlationId: 'import-correlation' },
      { messageId: chunkMessageId(operation.id, 1), body: { operationId: operation.id, chunk: 1 }, subject: 'operation.case-import', correlationId: 'import-correlation' },
    ]);
    expect(messages[0]!.messageId).toBe(`${operation.id}:0`);

    // The chunks hold the accepted rows with their original row numbers.
    const chunk0 = await world.services.operations.getChunk(chunkDocumentId(operation.id, 0));
    const chunk1 = await world.services.operations.getChunk(chunkDocumentId(operation.id, 1));
    expect(chunk0).toMatchObject({ type: 'case-import', operationId: operation.id, chunk: 0 });
    expect(chunk0!.items).toHaveLength(IMPORT_CHUNK_SIZE);
    expect(chunk1!.items).toHaveLength(50);
    const rowNumbers = [...chunk0!.items, ...chunk1!.items].map((item) => (item as { row: number }).row);
    expect(rowNumbers).toEqual(Array.from({ length: 153 }, (_, index) => index + 1).filter((row) => ![2, 5, 153].includes(row)));
    expect(chunk0!.items[0]).toEqual({ row: 1, record: first });
  });

  it('finishes an import at once when every row is refused at request time: nothing to queue', async () => {
    const rows = [caseRow({ jurisdiction: 'FAMILY' }), { caseName: 'no reference' }];
    const context = startContext('import-nothing');
    const operation = await startCaseImport(world.services, manager, { cases: rows }, context);

    expect(operation).toMatchObject({
      status: 'completed_with_errors',
      completedAt: world.clock.now().toISOString(),
      dispatchedAt: world.clock.now().toISOString(),
      progress: { totalItems: 2, processedItems: 2, succeeded: 0, failed: 2, skipped: 0, totalChunks: 0, completedChunks: 0 },
    });
    expect(operation.errors.map((error) => [error.item, error.field])).toEqual([
      ['row 1', 'jurisdiction'],
      ['row 2', 'caseId'],
      ['row 2', 'jurisdiction'],
      ['row 2', 'locationId'],
      ['row 2', 'caseType'],
    ]);
    expect(operation.errors.slice(1).every((error) => error.message === 'is required')).toBe(true);
    expect((await stored(operation.id)).document).toEqual(operation);
    expect(chunkMessagesOf(operation.id)).toEqual([]);
    expect(context.warnings).toEqual([]);
  });

  it('imports the chunks, refusing rows the worker finds wrong, and counts a redelivered chunk once', async () => {
    const outside = await demoCaseOutsideScope();
    const rows = validRows(IMPORT_CHUNK_SIZE + 2);
    rows[10] = caseRow({ locationId: '999999' });
    rows[IMPORT_CHUNK_SIZE + 1] = caseRow({ caseId: outside.caseId, jurisdiction: 'IA' });
    const operation = await startCaseImport(world.services, manager, { cases: rows }, startContext('import-run'));
    expect(operation.progress).toMatchObject({ totalItems: IMPORT_CHUNK_SIZE + 2, processedItems: 0, totalChunks: 2 });
    const invocation = fakeInvocation();

    world.clock.advance(1_000);
    const firstChunkAt = world.clock.now().toISOString();
    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(invocation), 1)).toBe('processed');
    const afterFirst = (await stored(operation.id)).document;
    expect(afterFirst).toMatchObject({
      status: 'running',
      completedAt: null,
      doneChunks: [0],
      progress: { processedItems: IMPORT_CHUNK_SIZE, succeeded: IMPORT_CHUNK_SIZE - 1, failed: 1, skipped: 0, completedChunks: 1 },
      errors: [{ item: 'row 11', field: 'locationId', message: 'is not a known location (999999)' }],
    });

    // The same message again (processed, merged, but the message not completed before a crash).
    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(invocation), 2)).toBe('already-done');
    expect((await stored(operation.id)).document).toEqual(afterFirst);

    world.clock.advance(1_000);
    expect(await processChunk(world.services, chunkMessage(operation, 1), chunkRun(invocation), 1)).toBe('processed');
    const done = (await stored(operation.id)).document;
    expect(done).toMatchObject({
      status: 'completed_with_errors',
      completedAt: world.clock.now().toISOString(),
      doneChunks: [0, 1],
      abortedChunks: [],
      progress: { totalItems: IMPORT_CHUNK_SIZE + 2, processedItems: IMPORT_CHUNK_SIZE + 2, succeeded: IMPORT_CHUNK_SIZE, failed: 2, skipped: 0, completedChunks: 2 },
    });
    expect(done.errors).toEqual([
      { item: 'row 11', field: 'locationId', message: 'is not a known location (999999)' },
      // The case lies outside the manager's scope: the refusal does not say where it is.
      { item: `row ${IMPORT_CHUNK_SIZE + 2}`, field: 'caseId', message: 'is already used outside your work scope' },
    ]);
    expect(invocation.calls.error).toEqual([]);

    expect(await world.services.reference.getCase(rows[0]!.caseId)).toEqual({ id: rows[0]!.caseId, ...rows[0], importedAt: firstChunkAt });
    expect(await world.services.reference.getCase(rows[10]!.caseId)).toBeUndefined();
    expect(await world.services.reference.getCase(outside.caseId)).toEqual(outside);

    // After the operation is finished, a late resend of either chunk changes nothing.
    expect(await processChunk(world.services, chunkMessage(operation, 1), chunkRun(invocation), 3)).toBe('already-done');
    expect((await stored(operation.id)).document).toEqual(done);
  });

  it('counts a chunk once when the worker died after doing the work but before merging it', async () => {
    const rows = validRows(3);
    const operation = await startCaseImport(world.services, manager, { cases: rows }, startContext('import-crash'));
    const crashing = { ...world.services, operations: crashingAtMerge(world.services.operations, 0) };

    await expect(processChunk(crashing, chunkMessage(operation, 0), chunkRun(fakeInvocation()), 1)).rejects.toThrow('worker died before merging its result');
    const halfway = (await stored(operation.id)).document;
    expect(halfway).toMatchObject({ status: 'running', doneChunks: [], progress: { processedItems: 0, succeeded: 0, completedChunks: 0 } });
    // The work itself was done (and is idempotent).
    for (const row of rows) expect(await world.services.reference.getCase(row.caseId)).toMatchObject(row);

    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(fakeInvocation()), 2)).toBe('processed');
    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(fakeInvocation()), 3)).toBe('already-done');
    expect((await stored(operation.id)).document).toMatchObject({
      status: 'succeeded',
      doneChunks: [0],
      progress: { totalItems: 3, processedItems: 3, succeeded: 3, failed: 0, skipped: 0, totalChunks: 1, completedChunks: 1 },
      errors: [],
    });
  });

  it('throws for a chunk number the operation does not have, and leaves the operation as it was', async () => {
    const operation = await startCaseImport(world.services, manager, { cases: validRows(2) }, startContext('import-unknown'));
    const before = await stored(operation.id);

    await expect(processChunk(world.services, chunkMessage(operation, 1), chunkRun(fakeInvocation()), 1)).rejects.toThrow(`operation ${operation.id} has no chunk 1`);
    // Not even recorded as aborted on the last delivery: it would overrun the totals.
    await expect(processChunk(world.services, chunkMessage(operation, 7), chunkRun(fakeInvocation()), SERVICE_BUS_DELIVERY.maxDeliveryCount)).rejects.toThrow(
      `operation ${operation.id} has no chunk 7`,
    );

    const after = await stored(operation.id);
    expect(after.cosmosEtag).toBe(before.cosmosEtag);
    expect(after.document.status).toBe('queued');
  });

  it('throws for an operation that does not exist', async () => {
    const missing = { operationId: '0e6f0c1a-7d1e-4d2b-9a0e-000000000000', chunk: 0 };
    await expect(processChunk(world.services, missing, chunkRun(fakeInvocation()), 1)).rejects.toThrow(`operation ${missing.operationId} does not exist`);
  });

  it('retries a failing chunk until the last delivery, then records it as aborted and ends the operation failed', async () => {
    const operation = await startCaseImport(world.services, manager, { cases: validRows(IMPORT_CHUNK_SIZE + 4) }, startContext('import-abort'));
    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(fakeInvocation()), 1)).toBe('processed');

    const failure = new Error('reference data unavailable');
    const broken = {
      ...world.services,
      reference: Object.assign(Object.create(world.services.reference) as ReferenceRepository, {
        async getLocation() {
          throw failure;
        },
      }),
    };
    const early = fakeInvocation();
    for (let delivery = 1; delivery < SERVICE_BUS_DELIVERY.maxDeliveryCount; delivery++) {
      await expect(processChunk(broken, chunkMessage(operation, 1), chunkRun(early), delivery)).rejects.toBe(failure);
    }
    expect(early.calls.error).toEqual([]);
    expect((await stored(operation.id)).document).toMatchObject({ status: 'running', doneChunks: [0], abortedChunks: [] });

    const last = fakeInvocation();
    world.clock.advance(5_000);
    expect(await processChunk(broken, chunkMessage(operation, 1), chunkRun(last), SERVICE_BUS_DELIVERY.maxDeliveryCount)).toBe('aborted');
    expect(last.calls.error).toEqual([[`Chunk 1 of operation ${operation.id} failed on its last delivery; recording it as aborted.`, failure]]);

    const failed = (await stored(operation.id)).document;
    expect(failed).toMatchObject({
      status: 'failed',
      completedAt: world.clock.now().toISOString(),
      doneChunks: [0, 1],
      abortedChunks: [1],
      progress: { totalItems: IMPORT_CHUNK_SIZE + 4, processedItems: IMPORT_CHUNK_SIZE + 4, succeeded: IMPORT_CHUNK_SIZE, failed: 4, skipped: 0, completedChunks: 2 },
    });
    expect(failed.errors).toEqual([{ item: 'chunk 1', message: `could not be processed after ${SERVICE_BUS_DELIVERY.maxDeliveryCount} attempts (4 items): reference data unavailable` }]);

    // Dead-lettered and replayed later: the chunk is done, nothing is counted twice.
    expect(await processChunk(world.services, chunkMessage(operation, 1), chunkRun(fakeInvocation()), 1)).toBe('already-done');
    expect((await stored(operation.id)).document).toEqual(failed);
  });
});

describe('dispatch after Service Bus was down at the start', () => {
  it('stores the operation undispatched with a warning; the dispatch relay sends its chunks after the grace period, once', async () => {
    const context = startContext('import-outage');
    world.messaging.failWith = new Error('Service Bus is down');
    let operation: OperationDocument;
    try {
      operation = await startCaseImport(world.services, manager, { cases: validRows(IMPORT_CHUNK_SIZE + 1) }, context);
    } finally {
      world.messaging.failWith = undefined;
    }
    expect(operation.dispatchedAt).toBeNull();
    expect(operation.progress.totalChunks).toBe(2);
    expect(context.warnings).toEqual([[`Queueing the chunks of operation ${operation.id} failed; the dispatch relay will retry.`, 'Service Bus is down']]);
    expect((await stored(operation.id)).document).toEqual(operation);
    expect(chunkMessagesOf(operation.id)).toEqual([]);

    // Within the grace period the relay leaves it to the request.
    expect(await dispatchStalledOperations(world.services)).toEqual({ dispatched: 0 });
    world.clock.advance(DISPATCH_GRACE_MS);
    expect(await dispatchStalledOperations(world.services)).toEqual({ dispatched: 0 });
    expect(chunkMessagesOf(operation.id)).toEqual([]);

    // Past it, while Service Bus is still down: the run stops at the operation, which stays undispatched.
    world.clock.advance(1);
    world.messaging.failWith = new Error('Service Bus is still down');
    try {
      expect(await dispatchStalledOperations(world.services)).toEqual({
        dispatched: 0,
        stoppedAt: { operationId: operation.id, reason: 'Service Bus is still down' },
      });
    } finally {
      world.messaging.failWith = undefined;
    }
    expect((await stored(operation.id)).document.dispatchedAt).toBeNull();

    expect(await dispatchStalledOperations(world.services)).toEqual({ dispatched: 1 });
    expect(chunkMessagesOf(operation.id).map((sent) => [sent.messageId, sent.correlationId, sent.subject])).toEqual([
      [chunkMessageId(operation.id, 0), 'import-outage', 'operation.case-import'],
      [chunkMessageId(operation.id, 1), 'import-outage', 'operation.case-import'],
    ]);
    const dispatched = (await stored(operation.id)).document;
    expect(dispatched.dispatchedAt).toBe(world.clock.now().toISOString());
    expect(dispatched.status).toBe('queued');

    world.clock.advance(DISPATCH_GRACE_MS * 2);
    expect(await dispatchStalledOperations(world.services)).toEqual({ dispatched: 0 });
    expect(chunkMessagesOf(operation.id)).toHaveLength(2);
    expect((await stored(operation.id)).document.dispatchedAt).toBe(dispatched.dispatchedAt);
  });

  it('dispatchOperation resends only the chunks not done yet and keeps the first dispatch time', async () => {
    const operation = await startCaseImport(world.services, manager, { cases: validRows(IMPORT_CHUNK_SIZE + 1) }, startContext('import-resend'));
    expect(chunkMessagesOf(operation.id)).toHaveLength(2);
    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(fakeInvocation()), 1)).toBe('processed');
    world.clock.advance(60_000);

    const current = (await stored(operation.id)).document;
    const after = await dispatchOperation(world.services, current);

    expect(chunkMessagesOf(operation.id).map((sent) => sent.messageId)).toEqual([
      chunkMessageId(operation.id, 0),
      chunkMessageId(operation.id, 1),
      chunkMessageId(operation.id, 1),
    ]);
    expect(after.dispatchedAt).toBe(operation.dispatchedAt);
    expect((await stored(operation.id)).document).toEqual(current);
  });
});

describe('concurrent chunk results', () => {
  it('two merges of different chunks racing on the same version both land (one is re-run after its 412)', async () => {
    const operation = await startCaseImport(world.services, manager, { cases: validRows(IMPORT_CHUNK_SIZE + 1) }, startContext('import-race'));
    const results: Record<number, ChunkResult> = {
      0: { succeeded: 99, failed: 1, skipped: 0, errors: [{ item: 'row 7', field: 'locationId', message: 'is not a known location (1)' }] },
      1: { succeeded: 1, failed: 0, skipped: 0, errors: [] },
    };
    const racing = lockstepReads(world.services.operations, 2);
    const decisions: number[] = [];
    const merge = (chunk: number) =>
      updateOperation({ operations: racing }, operation.id, (current) => {
        decisions.push(chunk);
        return mergeChunkResult(current, chunk, results[chunk]!, world.clock.now());
      });

    const [first, second] = await Promise.all([merge(0), merge(1)]);

    // Both decided on the same version; one write won, the other got a 412 and decided again.
    expect(decisions).toHaveLength(3);
    expect(racing.reads).toBe(3);
    const final = (await stored(operation.id)).document;
    expect([...final.doneChunks].sort()).toEqual([0, 1]);
    expect(final).toMatchObject({
      status: 'completed_with_errors',
      progress: { totalItems: IMPORT_CHUNK_SIZE + 1, processedItems: IMPORT_CHUNK_SIZE + 1, succeeded: 100, failed: 1, completedChunks: 2 },
      errors: results[0]!.errors,
    });
    // The one that went second returned the final document.
    expect([first.doneChunks.length, second.doneChunks.length].sort()).toEqual([1, 2]);
  });

  it('two workers processing different chunks at once both count', async () => {
    const rows = validRows(IMPORT_CHUNK_SIZE * 2 + 3);
    const operation = await startCaseImport(world.services, manager, { cases: rows }, startContext('import-parallel'));
    expect(operation.progress.totalChunks).toBe(3);

    const outcomes = await Promise.all([0, 1, 2].map((chunk) => processChunk(world.services, chunkMessage(operation, chunk), chunkRun(fakeInvocation()), 1)));

    expect(outcomes).toEqual(['processed', 'processed', 'processed']);
    const final = (await stored(operation.id)).document;
    expect([...final.doneChunks].sort()).toEqual([0, 1, 2]);
    expect(final).toMatchObject({
      status: 'succeeded',
      progress: { totalItems: rows.length, processedItems: rows.length, succeeded: rows.length, failed: 0, completedChunks: 3 },
    });
  });
});
