import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { requestWriteContext } from '../shared/http/request-write-context.js';
import { attachmentParamsSchema, attachmentSchema } from '../shared/schemas/attachment.js';
import { completeUpload } from '../shared/use-cases/task-attachments.js';

registerEndpoint({
  name: 'tasks-attachments-complete',
  route: 'tasksAttachmentsComplete',
  docs: {
    tag: 'Attachments',
    summary: 'Finish an upload: check the file',
    description:
      'Checks the uploaded blob: it exists (else 409), its size is the one declared and within 25 MiB, and its first bytes match the declared ' +
      'type (magic bytes, not the name; docs/attachments.md). Then `status: "available"`, or `status: "rejected"` with `rejectionReason` and ' +
      'the file deleted. Once only: a second complete is a 409.',
    success: { status: 200, description: 'The attachment, available or rejected', data: attachmentSchema },
    problems: [404, 409],
  },
  authenticated: true,
  // Every reading role passes, so a task out of the caller's scope is a 404 for them too; the domain
  // then decides who may (whoever may update the task: a viewer in scope gets 403).
  roles: READ_ROLES,
  params: attachmentParamsSchema,
  handler: async ({ services, principal, params, correlationId, invocation }) => ({
    status: 200,
    data: await completeUpload(services, principal, params.id, params.attachmentId, requestWriteContext(principal, correlationId, invocation)),
  }),
});
