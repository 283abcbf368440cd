import type { z } from 'zod';
import { READ_ROLES } from '../domain/permissions.js';
import { toTaskView } from '../domain/task-view.js';
import { taskIdParamsSchema, taskSchema } from '../schemas/task.js';
import { performTaskAction, type ActionInput, type WorkflowAction } from '../use-cases/task-actions.js';
import { requestWriteContext } from './request-write-context.js';
import { registerEndpoint } from './endpoint.js';
import type { RouteName } from './routes.js';

/**
 * Registers one workflow action (claim, assign, complete…) as its own HTTP function. The role gate
 * is deliberately wide (every reading role): whether this caller may take this action on this
 * task is decided by the domain rules, so an out-of-scope task is a 404 and not a 403.
 */
export function registerTaskAction<B extends ActionInput | undefined = undefined>(options: {
  name: string;
  route: RouteName;
  action: WorkflowAction;
  body?: z.ZodType<B, unknown>;
  summary: string;
  description: string;
}): void {
  registerEndpoint({
    name: options.name,
    route: options.route,
    docs: {
      tag: 'Workflow',
      summary: options.summary,
      description: `${options.description} Atomic; If-Match is optional (a stale one is 412). 404 when the caller cannot see the task, 403 when their roles never allow the action, 409 when the task's state does not.`,
      success: { status: 200, description: 'The task after the action', data: taskSchema, headers: ['ETag'] },
      problems: [404, 409, 412],
      requestHeaders: [{ name: 'If-Match', required: false }],
    },
    authenticated: true,
    roles: READ_ROLES,
    params: taskIdParamsSchema,
    ...(options.body ? { body: options.body } : {}),
    handler: async ({ services, principal, params, body, request, correlationId, invocation }) => {
      const stored = await performTaskAction(
        services,
        principal,
        params.id,
        options.action,
        request.headers.get('if-match'),
        (body ?? {}) as ActionInput,
        requestWriteContext(principal, correlationId, invocation),
      );
      return { status: 200, data: toTaskView(stored, principal), headers: { ETag: stored.etag } };
    },
  });
}
