import { app } from '@azure/functions';
import { QUEUES } from '../shared/config/entities.js';
import { SETTING } from '../shared/config/settings.js';
import { JURISDICTIONS } from '../shared/schemas/task.js';
import { getServices } from '../shared/services.js';
import { trackMetric } from '../shared/telemetry/metrics.js';

/** Tasks one run queues at most; the next run picks up the rest. */
const MAX_PER_RUN = 5000;

/**
 * Finds open tasks that have passed their due date and are not flagged yet, and queues one
 * message per task. The messageId is derived from the task and its due date, so a rescan within
 * the duplicate detection window is dropped by Service Bus, and processing is idempotent anyway.
 */
app.timer('overdue-scan', {
  schedule: `%${SETTING.overdueScanSchedule}%`,
  handler: async (_timer, context) => {
    const { tasks, messaging, now } = getServices();
    const due = await tasks.findNewlyOverdue(now(), MAX_PER_RUN);
    await messaging.send(
      QUEUES.overdueTasks.name,
      due.map((task) => ({
        messageId: `overdue:${task.id}:${task.dueDate}`,
        body: { taskId: task.id, dueDate: task.dueDate },
        subject: 'task.overdue-candidate',
        correlationId: `overdue-scan:${context.invocationId}`,
      })),
    );
    trackMetric(context, 'overdue.queued', due.length);
    // The flagged backlog per jurisdiction, for the operations workbook and its growth alert.
    const backlog = await Promise.all(JURISDICTIONS.map((jurisdiction) => tasks.count({ overdue: true, jurisdiction: [jurisdiction] }, { kind: 'all' })));
    JURISDICTIONS.forEach((jurisdiction, index) => trackMetric(context, 'overdue.backlog', backlog[index] ?? 0, { jurisdiction }));
  },
});
