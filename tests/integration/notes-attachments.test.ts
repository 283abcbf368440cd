import { randomUUID } from 'node:crypto';
import { BlobClient, BlobServiceClient, BlockBlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACHMENTS_CONTAINER } from '../../shared/config/entities.js';
import { SETTING } from '../../shared/config/settings.js';
import { AZURITE_ACCOUNT } from '../../dev/azurite/index.js';
import { SAMPLE_PDF, SAMPLE_PNG, sampleDocx } from '../support/sample-files.js';
import { createTask, expectProblem } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

/*
 * Notes and attachments through the local host (the deployment package) and Azurite, which
 * `npm start` runs beside it: real uploads with fetch and with @azure/storage-blob's own clients,
 * straight to storage with the SAS URLs the API hands out, and real downloads.
 */

/** Upload URLs live this long here, so one test can see storage refuse an expired one. */
const UPLOAD_URL_SECONDS = 12;

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost({ env: { [SETTING.attachmentUploadUrlSeconds]: String(UPLOAD_URL_SECONDS) } });
});
afterAll(async () => host?.dispose());

const CIVIL_CASEWORKER = { role: 'caseworker' as const, userId: 'c0000000-0000-4000-8001-000000000001' };
const CASEY = { role: 'caseworker' as const, userId: 'c0000000-0000-4000-8000-000000000001' };
const CHRIS = { role: 'caseworker' as const, userId: 'c0000000-0000-4000-8000-000000000002' };
type As = NonNullable<Parameters<LocalHost['call']>[1]>['as'];

const json = async (response: Response) => ((await response.json()) as { data: any; pagination?: any }).data;
const post = (path: string, body: unknown, as: As = 'manager', headers: Record<string, string> = {}) => host.call(path, { method: 'POST', as, json: body, headers });
const PDF = { fileName: 'bundle.pdf', contentType: 'application/pdf', sizeBytes: SAMPLE_PDF.length };
const putBytes = (url: string, bytes: Buffer) => fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/pdf' }, body: bytes });

/** The attachments container, read with Azurite's account key (what the app itself never needs in Azure). */
function containerOf(uploadUrl: string) {
  const service = `${new URL(uploadUrl).origin}/${AZURITE_ACCOUNT.name}`;
  return new BlobServiceClient(service, new StorageSharedKeyCredential(AZURITE_ACCOUNT.name, AZURITE_ACCOUNT.key)).getContainerClient(ATTACHMENTS_CONTAINER);
}
async function blobsUnder(uploadUrl: string, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of containerOf(uploadUrl).listBlobsFlat({ prefix })) names.push(blob.name);
  return names;
}

async function history(taskId: string): Promise<{ type: string; note?: any; attachment?: any }[]> {
  await host.brokerIdle();
  return json(await host.call(`/v1/tasks/${taskId}/history?limit=100`, { as: 'admin' }));
}

describe('notes', () => {
  it('added, listed newest first page by page, in the history, redacted by an admin', async () => {
    const task = await createTask(host);
    const first = await post(`/v1/tasks/${task.id}/notes`, { text: 'Called the appellant.\nBundle due Friday.' });
    expect(first.status).toBe(201);
    const note = await json(first);
    expect(note).toMatchObject({ taskId: task.id, text: 'Called the appellant.\nBundle due Friday.', author: { userId: 'b0000000-0000-4000-8000-000000000001' }, redaction: null });
    const second = await json(await post(`/v1/tasks/${task.id}/notes`, { text: 'Bundle received.' }, 'admin'));

    const page1 = await host.call(`/v1/tasks/${task.id}/notes?limit=1`, { as: 'viewer' });
    const body1 = (await page1.json()) as any;
    expect(body1.data.map((item: any) => item.id)).toEqual([second.id]);
    expect(body1.pagination).toMatchObject({ limit: 1, hasMore: true });
    const body2 = (await (await host.call(`/v1/tasks/${task.id}/notes?limit=1&cursor=${encodeURIComponent(body1.pagination.nextCursor)}`, { as: 'viewer' })).json()) as any;
    expect(body2.data.map((item: any) => item.id)).toEqual([note.id]);
    // The cursor is the viewer's: nobody else's page.
    await expectProblem(await host.call(`/v1/tasks/${task.id}/notes?limit=1&cursor=${encodeURIComponent(body1.pagination.nextCursor)}`, { as: 'manager' }), 400, 'cursor');

    await expectProblem(await post(`/v1/tasks/${task.id}/notes/${note.id}/redact`, { reason: 'Personal data' }), 403);
    const redacted = await post(`/v1/tasks/${task.id}/notes/${note.id}/redact`, { reason: 'Personal data' }, 'admin');
    expect(redacted.status).toBe(200);
    expect(await json(redacted)).toMatchObject({ id: note.id, text: '[redacted]', redaction: { reason: 'Personal data', redactedBy: { userId: 'a0000000-0000-4000-8000-000000000001' } } });
    await expectProblem(await post(`/v1/tasks/${task.id}/notes/${note.id}/redact`, { reason: 'Again' }, 'admin'), 409);
    const listed = await json(await host.call(`/v1/tasks/${task.id}/notes`, { as: 'manager' }));
    expect(listed.map((item: any) => item.text)).toEqual(['Bundle received.', '[redacted]']);

    const trail = await history(task.id);
    expect(trail.map((record) => record.type)).toEqual(['task.created', 'task.note_added', 'task.note_added', 'task.note_redacted']);
    expect(trail[3]!.note).toMatchObject({ id: note.id, reason: 'Personal data', textSha256: trail[1]!.note.textSha256 });
    // The trail never held the text, so the redaction removed it everywhere.
    expect(JSON.stringify(trail)).not.toContain('Called the appellant');
    const verified = await json(await host.call(`/v1/tasks/${task.id}/history/verify`, { as: 'admin' }));
    expect(verified).toMatchObject({ intact: true, upToDate: true, records: 4 });
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const task = await createTask(host);
    await expectProblem(await post(`/v1/tasks/${task.id}/notes`, { text: '   ' }), 400, 'text');
    await expectProblem(await post(`/v1/tasks/${task.id}/notes`, { text: 'bell \u0007' }), 400, 'text');
    await expectProblem(await post(`/v1/tasks/${task.id}/notes`, { text: 'x'.repeat(4001) }), 400, 'text');
    await expectProblem(await post(`/v1/tasks/${task.id}/notes`, { text: 'ok', extra: 1 }), 400, 'extra');
    expect((await post(`/v1/tasks/${task.id}/notes`, { text: '😀'.repeat(4000) })).status).toBe(201);
    await expectProblem(await host.call(`/v1/tasks/${task.id}/notes?limit=0`, { as: 'manager' }), 400, 'limit');
    await expectProblem(await host.call(`/v1/tasks/${task.id}/notes?limit=ten`, { as: 'manager' }), 400, 'limit');
    // A viewer sees the task but may not add to it.
    await expectProblem(await post(`/v1/tasks/${task.id}/notes`, { text: 'hello' }, 'viewer'), 403);
  });
});

describe('attachments', () => {
  it('uploaded with fetch PUT, completed, listed with a download URL, downloaded byte for byte', async () => {
    const task = await createTask(host);
    const created = await post(`/v1/tasks/${task.id}/attachments`, PDF);
    expect(created.status).toBe(201);
    const pending = await json(created);
    expect(created.headers.get('location')).toBe(`/api/v1/tasks/${task.id}/attachments/${pending.id}`);
    expect(pending).toMatchObject({ status: 'pending', scan: 'not_scanned', uploadHeaders: { 'x-ms-blob-type': 'BlockBlob' } });
    expect(new URL(pending.uploadUrl).searchParams.get('sp')).toBe('cw');

    expect((await putBytes(pending.uploadUrl, SAMPLE_PDF)).status).toBe(201);
    const completed = await post(`/v1/tasks/${task.id}/attachments/${pending.id}/complete`, undefined);
    expect(completed.status).toBe(200);
    expect(await json(completed)).toMatchObject({ status: 'available', completedAt: expect.any(String) });

    const [listed] = await json(await host.call(`/v1/tasks/${task.id}/attachments`, { as: 'viewer' }));
    expect(listed).toMatchObject({ id: pending.id, status: 'available', fileName: 'bundle.pdf' });
    expect(listed.uploadUrl).toBeUndefined();
    expect(new URL(listed.downloadUrl).searchParams.get('sp')).toBe('r');
    const download = await fetch(listed.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="bundle.pdf"/);
    expect(Buffer.from(await download.arrayBuffer()).equals(SAMPLE_PDF)).toBe(true);

    const trail = await history(task.id);
    expect(trail.map((record) => record.type)).toEqual(['task.created', 'task.attachment_added']);
    expect(trail[1]!.attachment).toMatchObject({ id: pending.id, fileName: 'bundle.pdf', status: 'available', sizeBytes: SAMPLE_PDF.length });
  });

  it('uploaded and downloaded with @azure/storage-blob clients on the SAS URLs (a Word document)', async () => {
    const task = await createTask(host);
    const docx = sampleDocx();
    const contentType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    const pending = await json(await post(`/v1/tasks/${task.id}/attachments`, { fileName: 'Decision letter.docx', contentType, sizeBytes: docx.length }));
    await new BlockBlobClient(pending.uploadUrl).uploadData(docx, { blobHTTPHeaders: { blobContentType: contentType } });
    expect(await json(await post(`/v1/tasks/${task.id}/attachments/${pending.id}/complete`, undefined))).toMatchObject({ status: 'available' });
    const fetched = await json(await host.call(`/v1/tasks/${task.id}/attachments/${pending.id}`, { as: 'manager' }));
    const blob = new BlobClient(fetched.downloadUrl);
    expect((await blob.downloadToBuffer()).equals(docx)).toBe(true);
    expect((await blob.getProperties()).contentDisposition).toBe(`attachment; filename="Decision letter.docx"; filename*=UTF-8''Decision%20letter.docx`);
  });

  it('a file that is not what was declared is rejected with the reason, and its blobs are gone', async () => {
    const task = await createTask(host);
    const pending = await json(await post(`/v1/tasks/${task.id}/attachments`, { ...PDF, sizeBytes: SAMPLE_PNG.length }));
    expect((await putBytes(pending.uploadUrl, SAMPLE_PNG)).status).toBe(201);
    const completed = await json(await post(`/v1/tasks/${task.id}/attachments/${pending.id}/complete`, undefined));
    expect(completed).toMatchObject({ status: 'rejected', rejectionReason: 'the file is not a PDF (it does not start with %PDF-)' });
    expect(completed.downloadUrl).toBeUndefined();
    expect(await blobsUnder(pending.uploadUrl, `incoming/${task.id}/`)).toEqual([]);
    expect(await blobsUnder(pending.uploadUrl, `files/${task.id}/`)).toEqual([]);
    expect((await history(task.id)).map((record) => record.type)).toEqual(['task.created', 'task.attachment_rejected']);
  });

  it(`an expired upload URL is refused by storage (URLs live ${UPLOAD_URL_SECONDS} s here)`, async () => {
    const task = await createTask(host);
    const pending = await json(await post(`/v1/tasks/${task.id}/attachments`, PDF));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(pending.uploadExpiresAt) - Date.now()) + 1500));
    const refused = await putBytes(pending.uploadUrl, SAMPLE_PDF);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('server')).toMatch(/^Azurite-Blob/);
    expect(await blobsUnder(pending.uploadUrl, `incoming/${task.id}/`)).toEqual([]);
    await expectProblem(await post(`/v1/tasks/${task.id}/attachments/${pending.id}/complete`, undefined), 409);
  }, 60_000);

  it('limits and misuse are clear 4xx problems', async () => {
    const task = await createTask(host);
    await expectProblem(await post(`/v1/tasks/${task.id}/attachments`, { ...PDF, contentType: 'application/x-msdownload' }), 400, 'contentType');
    await expectProblem(await post(`/v1/tasks/${task.id}/attachments`, { ...PDF, sizeBytes: 25 * 1024 * 1024 + 1 }), 400, 'sizeBytes');
    await expectProblem(await post(`/v1/tasks/${task.id}/attachments`, { ...PDF, fileName: '../etc/passwd' }), 400, 'fileName');
    const pending = await json(await post(`/v1/tasks/${task.id}/attachments`, PDF));
    const early = await expectProblem(await post(`/v1/tasks/${task.id}/attachments/${pending.id}/complete`, undefined), 409);
    expect(early.detail).toMatch(/Nothing has been uploaded/);
    await putBytes(pending.uploadUrl, SAMPLE_PDF);
    expect((await post(`/v1/tasks/${task.id}/attachments/${pending.id}/complete`, undefined)).status).toBe(200);
    await expectProblem(await post(`/v1/tasks/${task.id}/attachments/${pending.id}/complete`, undefined), 409);
    await expectProblem(await host.call(`/v1/tasks/${task.id}/attachments/${randomUUID()}`, { as: 'manager' }), 404);
    for (let opened = 1; opened < 20; opened++) expect((await post(`/v1/tasks/${task.id}/attachments`, PDF)).status).toBe(201);
    await expectProblem(await post(`/v1/tasks/${task.id}/attachments`, PDF), 409);
  });

  it('deleted (soft) by the uploader or an admin, not by someone else: the blob goes, the trail records it', async () => {
    const task = await createTask(host, { assignee: CASEY.userId });
    const pending = await json(await post(`/v1/tasks/${task.id}/attachments`, PDF, CASEY));
    await putBytes(pending.uploadUrl, SAMPLE_PDF);
    await post(`/v1/tasks/${task.id}/attachments/${pending.id}/complete`, undefined, CASEY);
    await expectProblem(await host.call(`/v1/tasks/${task.id}/attachments/${pending.id}`, { method: 'DELETE', as: 'manager' }), 403);
    const deleted = await host.call(`/v1/tasks/${task.id}/attachments/${pending.id}`, { method: 'DELETE', as: CASEY });
    expect(deleted.status).toBe(204);
    await expectProblem(await host.call(`/v1/tasks/${task.id}/attachments/${pending.id}`, { as: CASEY }), 404);
    expect(await json(await host.call(`/v1/tasks/${task.id}/attachments`, { as: CASEY }))).toEqual([]);
    expect(await blobsUnder(pending.uploadUrl, `files/${task.id}/`)).toEqual([]);
    expect((await history(task.id)).map((record) => record.type)).toEqual(['task.created', 'task.attachment_added', 'task.attachment_deleted']);
  });

  it('creates are idempotent with an Idempotency-Key: one note, one attachment, the first answer again', async () => {
    const task = await createTask(host);
    const key = randomUUID();
    const firstNote = await post(`/v1/tasks/${task.id}/notes`, { text: 'Once' }, 'manager', { 'Idempotency-Key': key });
    const again = await post(`/v1/tasks/${task.id}/notes`, { text: 'Once' }, 'manager', { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect(await again.text()).toBe(await firstNote.text());
    expect(await json(await host.call(`/v1/tasks/${task.id}/notes`, { as: 'manager' }))).toHaveLength(1);

    const fileKey = randomUUID();
    const firstFile = await json(await post(`/v1/tasks/${task.id}/attachments`, PDF, 'manager', { 'Idempotency-Key': fileKey }));
    const replayed = await json(await post(`/v1/tasks/${task.id}/attachments`, PDF, 'manager', { 'Idempotency-Key': fileKey }));
    expect(replayed.id).toBe(firstFile.id);
    expect(await json(await host.call(`/v1/tasks/${task.id}/attachments`, { as: 'manager' }))).toHaveLength(1);
    await expectProblem(await post(`/v1/tasks/${task.id}/attachments`, { ...PDF, fileName: 'other.pdf' }, 'manager', { 'Idempotency-Key': fileKey }), 422, 'Idempotency-Key');
  });

  it('out of scope: 404 on every note and attachment route, whatever exists', async () => {
    // Casey's task: another jurisdiction's caseworker, and a caseworker of the same court who is not its assignee, cannot see it.
    const task = await createTask(host, { assignee: CASEY.userId });
    const note = await json(await post(`/v1/tasks/${task.id}/notes`, { text: 'In scope only' }));
    const pending = await json(await post(`/v1/tasks/${task.id}/attachments`, PDF));
    await putBytes(pending.uploadUrl, SAMPLE_PDF);
    await post(`/v1/tasks/${task.id}/attachments/${pending.id}/complete`, undefined);
    const base = `/v1/tasks/${task.id}`;
    const calls: [string, RequestInit & { json?: unknown }][] = [
      [`${base}/notes`, {}],
      [`${base}/notes`, { method: 'POST', json: { text: 'x' } }],
      [`${base}/notes/${note.id}/redact`, { method: 'POST', json: { reason: 'x' } }],
      [`${base}/attachments`, {}],
      [`${base}/attachments`, { method: 'POST', json: PDF }],
      [`${base}/attachments/${pending.id}`, {}],
      [`${base}/attachments/${pending.id}/complete`, { method: 'POST' }],
      [`${base}/attachments/${pending.id}`, { method: 'DELETE' }],
    ];
    for (const outsider of [CIVIL_CASEWORKER, CHRIS]) {
      for (const [path, init] of calls) {
        const problem = await expectProblem(await host.call(path, { ...init, as: outsider }), 404);
        expect(problem.detail, `${init.method ?? 'GET'} ${path} as ${outsider.userId}`).toBe(`No task ${task.id} exists that you can see.`);
      }
    }
    // An admin sees everything: the same routes answer.
    expect((await host.call(`${base}/attachments/${pending.id}`, { as: 'admin' })).status).toBe(200);
  });
});
