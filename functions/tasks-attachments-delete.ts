import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { requestWriteContext } from '../shared/http/request-write-context.js';
import { attachmentParamsSchema } from '../shared/schemas/attachment.js';
import { deleteAttachment } from '../shared/use-cases/task-attachments.js';

registerEndpoint({
  name: 'tasks-attachments-delete',
  route: 'tasksAttachmentsDelete',
  docs: {
    tag: 'Attachments',
    summary: 'Delete a file (soft delete)',
    description: 'An admin or whoever uploaded it. The blob is deleted; the record stays, marked deleted, and `task.attachment_deleted` goes into the audit trail.',
    success: { status: 204, description: 'Deleted' },
    problems: [404],
  },
  authenticated: true,
  // Every reading role passes, so a task out of the caller's scope is a 404 for them too.
  roles: READ_ROLES,
  params: attachmentParamsSchema,
  handler: async ({ services, principal, params, correlationId, invocation }) => {
    await deleteAttachment(services, principal, params.id, params.attachmentId, requestWriteContext(principal, correlationId, invocation));
    return { status: 204, empty: true };
  },
});
