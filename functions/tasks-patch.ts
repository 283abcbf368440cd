import { UPDATE_ROLES } from '../shared/domain/permissions.js';
import { toTaskView } from '../shared/domain/task-view.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { requestWriteContext } from '../shared/http/request-write-context.js';
import { MERGE_PATCH_CONTENT_TYPES } from '../shared/http/request-body.js';
import { patchTaskSchema, taskIdParamsSchema, taskSchema } from '../shared/schemas/task.js';
import { updateTask } from '../shared/use-cases/update-task.js';

registerEndpoint({
  name: 'tasks-patch',
  route: 'tasksPatch',
  docs: {
    tag: 'Tasks',
    summary: 'Change a task (JSON Merge Patch)',
    success: { status: 200, description: 'The changed task', data: taskSchema, headers: ['ETag'] },
    problems: [404, 409, 412, 428],
    requestHeaders: [{ name: 'If-Match', required: true }],
  },
  authenticated: true,
  roles: UPDATE_ROLES,
  params: taskIdParamsSchema,
  body: patchTaskSchema,
  bodyContentTypes: MERGE_PATCH_CONTENT_TYPES,
  handler: async ({ services, principal, params, body, request, correlationId, invocation }) => {
    const context = requestWriteContext(principal, correlationId, invocation);
    const stored = await updateTask(services, principal, params.id, request.headers.get('if-match'), body, context);
    return { status: 200, data: toTaskView(stored, principal), headers: { ETag: stored.etag } };
  },
});
