import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { routeUrl } from '../shared/http/routes.js';
import { attachmentSchema, createAttachmentSchema } from '../shared/schemas/attachment.js';
import { taskIdParamsSchema } from '../shared/schemas/task.js';
import { openUpload } from '../shared/use-cases/task-attachments.js';

registerEndpoint({
  name: 'tasks-attachments-create',
  route: 'tasksAttachmentsCreate',
  docs: {
    tag: 'Attachments',
    summary: 'Start uploading a file to a task',
    description:
      'Declare the file (name, type, size; at most 25 MiB, PDF, PNG, JPEG, DOCX, XLSX or plain text). The answer holds `uploadUrl`: ' +
      'PUT the bytes there, straight to Blob Storage, with `uploadHeaders` (x-ms-blob-type: BlockBlob) before `uploadExpiresAt` ' +
      '(a write-only URL for this one file), then call `complete`. Whoever may update the task may attach files; a task carries at most 20 (409).',
    success: { status: 201, description: 'The pending attachment and where to upload it', data: attachmentSchema, headers: ['Location'] },
    problems: [404, 409],
  },
  authenticated: true,
  idempotencyKey: true,
  // Every reading role passes, so a task out of the caller's scope is a 404 for them too; the domain
  // then decides who may (whoever may update the task: a viewer in scope gets 403).
  roles: READ_ROLES,
  params: taskIdParamsSchema,
  body: createAttachmentSchema,
  handler: async ({ services, principal, params, body }) => {
    const attachment = await openUpload(services, principal, params.id, body);
    return { status: 201, data: attachment, headers: { Location: routeUrl('tasksAttachmentsGet', { id: params.id, attachmentId: attachment.id }) } };
  },
});
