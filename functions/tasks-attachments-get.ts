import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { attachmentParamsSchema, attachmentSchema } from '../shared/schemas/attachment.js';
import { getAttachment } from '../shared/use-cases/task-attachments.js';

registerEndpoint({
  name: 'tasks-attachments-get',
  route: 'tasksAttachmentsGet',
  docs: {
    tag: 'Attachments',
    summary: 'One file of a task',
    description: 'Its record and, for an available file that may be offered, a fresh `downloadUrl` (read-only, a few minutes).',
    success: { status: 200, description: 'The attachment', data: attachmentSchema },
    problems: [404],
  },
  authenticated: true,
  roles: READ_ROLES,
  params: attachmentParamsSchema,
  handler: async ({ services, principal, params }) => ({ status: 200, data: await getAttachment(services, principal, params.id, params.attachmentId) }),
});
