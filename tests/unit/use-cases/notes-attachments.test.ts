import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACHMENTS_CONTAINER } from '../../../shared/config/entities.js';
import { SETTING } from '../../../shared/config/settings.js';
import { fileBlobName, incomingBlobName } from '../../../shared/domain/attachment-record.js';
import { noteTextHash, withNoteWrite, type NoteWrite } from '../../../shared/domain/note-document.js';
import { recordEvent } from '../../../shared/domain/task-events.js';
import type { CreateAttachmentInput } from '../../../shared/schemas/attachment.js';
import { DEFENDER_SCAN_RESULT_TAG, sweepNotesAndAttachments, UPLOAD_GRACE_MS } from '../../../shared/use-cases/sweep-notes-attachments.js';
import { completeUpload, getAttachment, listAttachments, openUpload } from '../../../shared/use-cases/task-attachments.js';
import { listNotes } from '../../../shared/use-cases/task-notes.js';
import { startAzurite, type LocalBlobService } from '../../../dev/azurite/index.js';
import { makeTempDir, removeTempDir } from '../../support/temp-dir.js';
import { SAMPLE_PDF, SAMPLE_PNG, sampleDocx } from '../../support/sample-files.js';
import { SIGNATURE_HEAD_BYTES } from '../../../shared/domain/file-signature.js';
import { manager, writeContext } from './fixtures.js';
import { eventsFor, newTask, startWorld, storedTask, type UseCaseWorld } from './harness.js';

/*
 * The attachment and note use cases over the real composition root, the embedded database and
 * Azurite (the Azure Storage emulator): real SAS URLs, real uploads with fetch, storage's own
 * refusals. The clock is the test's, so URLs can be made already expired.
 */

let azurite: LocalBlobService;
let container: ContainerClient;
let dataDir: string;
let world: UseCaseWorld;
let scanning: UseCaseWorld;

beforeAll(async () => {
  dataDir = makeTempDir('caseload-attachments-');
  azurite = await startAzurite({ dataDir });
  const storage = { [SETTING.attachmentsBlobServiceUri]: azurite.blobServiceUri, [SETTING.attachmentsAccountKey]: azurite.accountKey };
  world = await startWorld({ settings: storage });
  scanning = await startWorld({ settings: { ...storage, [SETTING.attachmentsMalwareScanning]: 'defender' } });
  container = new BlobServiceClient(azurite.blobServiceUri, new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey)).getContainerClient(ATTACHMENTS_CONTAINER);
});
afterAll(async () => {
  await world?.close();
  await scanning?.close();
  await azurite?.close();
  removeTempDir(dataDir);
});

const put = (url: string, bytes: Buffer, headers: Record<string, string> = { 'x-ms-blob-type': 'BlockBlob' }) => fetch(url, { method: 'PUT', headers, body: bytes });
const declare = (bytes: Buffer, overrides: Partial<CreateAttachmentInput> = {}): CreateAttachmentInput => ({ fileName: 'bundle.pdf', contentType: 'application/pdf', sizeBytes: bytes.length, ...overrides });
const blobsUnder = async (prefix: string): Promise<string[]> => {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
  return names;
};

/** A task, a file uploaded to it and completed. */
async function uploaded(on: UseCaseWorld, bytes: Buffer, overrides: Partial<CreateAttachmentInput> = {}) {
  const task = await newTask(on);
  const opened = await openUpload(on.services, manager, task.document.id, declare(bytes, overrides));
  expect((await put(opened.uploadUrl!, bytes)).status).toBe(201);
  const completed = await completeUpload(on.services, manager, task.document.id, opened.id, writeContext(manager));
  return { taskId: task.document.id, opened, completed };
}

describe('upload and download URLs, as storage enforces them', () => {
  it('an upload URL that has expired is refused by storage (403), one still valid is accepted', async () => {
    const task = await newTask(world);
    const saved = world.clock.now();
    try {
      // Valid for ATTACHMENT_UPLOAD_URL_SECONDS (600) from a clock 12 minutes behind: expired 2 minutes ago.
      world.clock.advance(Date.now() - 12 * 60_000 - saved.getTime());
      const stale = await openUpload(world.services, manager, task.document.id, declare(SAMPLE_PDF));
      expect(Date.parse(stale.uploadExpiresAt!)).toBeLessThan(Date.now());
      const refused = await put(stale.uploadUrl!, SAMPLE_PDF);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toMatch(/AuthenticationFailed|AuthorizationFailure/);
      expect(await blobsUnder(incomingBlobName(task.document.id, stale.id))).toEqual([]);
    } finally {
      world.clock.advance(saved.getTime() - world.clock.now().getTime());
    }
    const fresh = await openUpload(world.services, manager, task.document.id, declare(SAMPLE_PDF));
    expect((await put(fresh.uploadUrl!, SAMPLE_PDF)).status).toBe(201);
  });

  it('an upload URL writes its one blob only: not another name, and it cannot read', async () => {
    const task = await newTask(world);
    const opened = await openUpload(world.services, manager, task.document.id, declare(SAMPLE_PDF));
    const elsewhere = opened.uploadUrl!.replace(`/${opened.id}?`, `/${opened.id}-other?`);
    expect((await put(elsewhere, SAMPLE_PDF)).status).toBe(403);
    expect((await put(opened.uploadUrl!, SAMPLE_PDF)).status).toBe(201);
    expect((await fetch(opened.uploadUrl!)).status).toBe(403);
  });

  it('a download URL reads the file as an attachment with its name, cannot write, and expires', async () => {
    const { taskId, completed } = await uploaded(world, SAMPLE_PDF, { fileName: 'Bundle – final.pdf' });
    expect(completed).toMatchObject({ status: 'available', scan: 'not_scanned' });
    const download = await fetch(completed.downloadUrl!);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(SAMPLE_PDF)).toBe(true);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="Bundle _ final.pdf"; filename*=UTF-8''Bundle%20%E2%80%93%20final.pdf`);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect((await put(completed.downloadUrl!, SAMPLE_PNG)).status).toBe(403);

    const saved = world.clock.now();
    try {
      world.clock.advance(Date.now() - 10 * 60_000 - saved.getTime());
      const stale = await getAttachment(world.services, manager, taskId, completed.id);
      expect((await fetch(stale.downloadUrl!)).status).toBe(403);
    } finally {
      world.clock.advance(saved.getTime() - world.clock.now().getTime());
    }
  });
});

describe('completing an upload', () => {
  it('serves the copy it checked: writing the upload blob again afterwards changes nothing', async () => {
    const { taskId, opened, completed } = await uploaded(world, SAMPLE_PDF);
    expect(completed.status).toBe('available');
    expect(await blobsUnder(incomingBlobName(taskId, opened.id))).toEqual([]);
    // The upload URL is still valid: a second PUT creates the upload blob again, and reaches nothing served.
    expect((await put(opened.uploadUrl!, Buffer.from('MZ not a pdf'))).status).toBe(201);
    const served = await fetch((await getAttachment(world.services, manager, taskId, opened.id)).downloadUrl!);
    expect(Buffer.from(await served.arrayBuffer()).equals(SAMPLE_PDF)).toBe(true);
  });

  it('a file of another type is rejected with the reason, and its blobs are deleted', async () => {
    const { taskId, opened, completed } = await uploaded(world, SAMPLE_PNG);
    expect(completed).toMatchObject({ status: 'rejected', rejectionReason: 'the file is not a PDF (it does not start with %PDF-)' });
    expect(completed.downloadUrl).toBeUndefined();
    expect(await blobsUnder(`files/${taskId}/`)).toEqual([]);
    expect(await blobsUnder(incomingBlobName(taskId, opened.id))).toEqual([]);
    expect(eventsFor(world, taskId).map((event) => event.type)).toEqual(['task.created', 'task.attachment_rejected']);
  });

  it('a file of another size than declared is rejected', async () => {
    const task = await newTask(world);
    const opened = await openUpload(world.services, manager, task.document.id, declare(SAMPLE_PDF, { sizeBytes: SAMPLE_PDF.length + 1 }));
    await put(opened.uploadUrl!, SAMPLE_PDF);
    const completed = await completeUpload(world.services, manager, task.document.id, opened.id, writeContext(manager));
    expect(completed).toMatchObject({ status: 'rejected', rejectionReason: `the file is ${SAMPLE_PDF.length} bytes, not the ${SAMPLE_PDF.length + 1} declared` });
  });

  it('a Word document whose [Content_Types].xml comes last is found through the ZIP directory (three ranged reads)', async () => {
    const docx = sampleDocx({ contentTypesLast: true, dataDescriptors: true, paddingBytes: SIGNATURE_HEAD_BYTES * 2 });
    const { completed } = await uploaded(world, docx, { fileName: 'letter.docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' });
    expect(completed.status).toBe('available');
    const asWorkbook = await uploaded(world, docx, { fileName: 'letter.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    expect(asWorkbook.completed.status).toBe('rejected');
  });

  it('of two completes racing for one upload, one wins and the other is a 409 that leaves no copy behind', async () => {
    const task = await newTask(world);
    const opened = await openUpload(world.services, manager, task.document.id, declare(SAMPLE_PDF));
    await put(opened.uploadUrl!, SAMPLE_PDF);
    const outcomes = await Promise.allSettled([0, 1].map(() => completeUpload(world.services, manager, task.document.id, opened.id, writeContext(manager))));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ kind: 'conflict' });
    const record = (await storedTask(world, task.document.id)).document.attachments![0]!;
    expect(await blobsUnder(`files/${task.document.id}/`)).toEqual([record.fileBlob]);
  });
});

describe('notes-attachments-sweep', () => {
  it('removes uploads never completed, blob and record, once their URL has long expired', async () => {
    const task = await newTask(world);
    const opened = await openUpload(world.services, manager, task.document.id, declare(SAMPLE_PDF));
    await put(opened.uploadUrl!, SAMPLE_PDF);
    await sweepNotesAndAttachments(world.services, 'sweep-test');
    expect((await storedTask(world, task.document.id)).document.attachments!.map((record) => record.status)).toEqual(['pending']);
    world.clock.advance(10 * 60_000 + UPLOAD_GRACE_MS + 1000);
    const after = await sweepNotesAndAttachments(world.services, 'sweep-test');
    expect(after.uploadsRemoved).toBeGreaterThanOrEqual(1);
    expect((await storedTask(world, task.document.id)).document.attachments).toEqual([]);
    expect(await blobsUnder(incomingBlobName(task.document.id, opened.id))).toEqual([]);
  });

  it('writes a note a crash left committed on the task (event recorded, note document not written)', async () => {
    const task = await storedTask(world, (await newTask(world)).document.id);
    // What addNote commits in its one conditioned task write, then the process dies.
    const now = world.clock.now();
    const write: NoteWrite = {
      kind: 'create',
      eventId: '5f0c4a52-3b1d-4f3e-9a7c-2d8e1f6b4a90',
      note: { id: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', taskId: task.document.id, sequence: 2, text: 'Left behind', author: { userId: manager.userId, name: null }, createdAt: now.toISOString(), redaction: null, schemaVersion: 1 },
    };
    const committed = recordEvent(task.document, withNoteWrite(task.document, write, now), {
      eventId: write.eventId,
      actor: write.note.author,
      correlationId: 'crash',
      now,
      type: 'task.note_added',
      note: { id: write.note.id, textSha256: noteTextHash(write.note.text) },
    });
    await world.services.tasks.replace(committed, task);
    expect((await listNotes(world.services, manager, task.document.id, { limit: 10, caller: manager })).notes).toEqual([]);
    world.clock.advance(2 * 60_000);
    const outcome = await sweepNotesAndAttachments(world.services, 'sweep-test');
    expect(outcome.noteWritesFinished).toBeGreaterThanOrEqual(1);
    expect((await listNotes(world.services, manager, task.document.id, { limit: 10, caller: manager })).notes.map((note) => note.text)).toEqual(['Left behind']);
    const stored = (await storedTask(world, task.document.id)).document;
    expect(stored).toMatchObject({ noteWrites: [], noteWritesSince: null, version: 2 });
  });
});

describe('malware scanning (Defender for Storage writes its verdict to the blob index tags)', () => {
  const tagAs = (blobName: string, verdict: string) => container.getBlobClient(blobName).setTags({ [DEFENDER_SCAN_RESULT_TAG]: verdict, 'Malware Scanning scan time UTC': new Date().toISOString() });

  it('offers a file only once it is found clean; an infected one is deleted, rejected and never offered', async () => {
    const clean = await uploaded(scanning, SAMPLE_PDF);
    const infected = await uploaded(scanning, SAMPLE_PDF);
    for (const file of [clean, infected]) expect(file.completed).toMatchObject({ status: 'available', scan: 'not_scanned' });
    for (const file of [clean, infected]) expect(file.completed.downloadUrl).toBeUndefined();

    // No verdict yet: nothing changes.
    expect((await sweepNotesAndAttachments(scanning.services, 'sweep-test')).scansRecorded).toBe(0);
    const blobOf = async (file: typeof clean) => (await storedTask(scanning, file.taskId)).document.attachments![0]!.fileBlob!;
    const infectedBlob = await blobOf(infected);
    await tagAs(await blobOf(clean), 'No threats found');
    await tagAs(infectedBlob, 'Malicious');
    const outcome = await sweepNotesAndAttachments(scanning.services, 'sweep-test');
    expect(outcome).toMatchObject({ scansRecorded: 2, infected: 1 });

    const cleanView = await getAttachment(scanning.services, manager, clean.taskId, clean.opened.id);
    expect(cleanView).toMatchObject({ status: 'available', scan: 'clean' });
    expect((await fetch(cleanView.downloadUrl!)).status).toBe(200);
    const [infectedView] = await listAttachments(scanning.services, manager, infected.taskId);
    expect(infectedView).toMatchObject({ status: 'rejected', scan: 'infected' });
    expect(infectedView!.downloadUrl).toBeUndefined();
    expect(await blobsUnder(infectedBlob)).toEqual([]);
    expect(eventsFor(scanning, infected.taskId).map((event) => [event.type, event.attachment?.scan])).toEqual([
      ['task.created', undefined],
      ['task.attachment_added', 'not_scanned'],
      ['task.attachment_scanned', 'infected'],
    ]);
    // Recorded once: another run finds nothing to do.
    expect((await sweepNotesAndAttachments(scanning.services, 'sweep-test')).scansRecorded).toBe(0);
  });
});

it('blob names: uploads and checked copies live apart (self-check of the names the tests look under)', () => {
  expect(incomingBlobName('t', 'a')).toBe('incoming/t/a');
  expect(fileBlobName('t', 'a', 'c')).toBe('files/t/a/c');
});
