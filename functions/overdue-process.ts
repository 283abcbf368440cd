import { app } from '@azure/functions';
import { z } from 'zod';
import { QUEUES, SERVICE_BUS_CONNECTION } from '../shared/config/entities.js';
import { trackMetric } from '../shared/telemetry/metrics.js';
import { flagOverdue } from '../shared/use-cases/flag-overdue.js';

const overdueMessageSchema = z.object({ taskId: z.uuid(), dueDate: z.string() });

/** One overdue candidate → re-read, and flag it only if it still is overdue (emits task.overdue). */
app.serviceBusQueue('overdue-process', {
  connection: SERVICE_BUS_CONNECTION,
  queueName: QUEUES.overdueTasks.name,
  handler: async (message, context) => {
    const { taskId } = overdueMessageSchema.parse(typeof message === 'string' ? JSON.parse(message) : message);
    const correlationId = String(context.triggerMetadata?.correlationId ?? context.invocationId);
    const outcome = await flagOverdue(taskId, correlationId, context.traceContext?.traceParent ?? undefined);
    if (outcome === 'flagged') trackMetric(context, 'overdue.flagged', 1);
  },
});
