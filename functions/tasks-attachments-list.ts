import { z } from 'zod';
import { READ_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { attachmentSchema } from '../shared/schemas/attachment.js';
import { taskIdParamsSchema } from '../shared/schemas/task.js';
import { listAttachments } from '../shared/use-cases/task-attachments.js';

registerEndpoint({
  name: 'tasks-attachments-list',
  route: 'tasksAttachmentsList',
  docs: {
    tag: 'Attachments',
    summary: "A task's files",
    description:
      'Every file of the task that is not deleted (at most 20 active, so one page). An available file that may be offered carries a ' +
      '`downloadUrl`: read-only, valid a few minutes, downloads as an attachment with its name. Never for an infected file.',
    success: { status: 200, description: 'The files', data: z.array(attachmentSchema).max(50) },
    problems: [404],
  },
  authenticated: true,
  roles: READ_ROLES,
  params: taskIdParamsSchema,
  handler: async ({ services, principal, params }) => ({ status: 200, data: await listAttachments(services, principal, params.id) }),
});
