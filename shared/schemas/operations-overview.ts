import { z } from 'zod';
import { DEAD_LETTER_SOURCES, type DeadLetterSourceName } from '../config/entities.js';
import { JURISDICTIONS } from './task.js';

const entityName = z.enum(Object.keys(DEAD_LETTER_SOURCES) as [DeadLetterSourceName, ...DeadLetterSourceName[]]);
const count = z.number().int().min(0);
const instant = z.string().max(40);

/** What is waiting, by dependency, and what failed recently: the figures behind the operations console. */
export const operationsOverviewSchema = z
  .object({
    generatedAt: instant,
    serviceBus: z.object({
      /** Null when Service Bus could not be asked (the reason says why, without addresses). */
      entities: z
        .array(
          z.object({
            entity: entityName,
            path: z.string().max(260),
            active: count.meta({ description: 'Waiting or being processed (Service Bus activeMessageCount).' }),
            scheduled: count.nullable().meta({ description: 'Not yet due; null for a subscription (scheduled messages wait on the topic).' }),
            deadLettered: count,
          }),
        )
        .nullable(),
      error: z.string().max(200).nullable(),
    }),
    /** Parts that could not be read (their figures are null), each with a short reason: a bad day shows as such, not as an error page. */
    unavailable: z.array(z.object({ part: z.enum(['outbox', 'overdue', 'audit', 'notifications']), reason: z.string().max(200) })).max(4),
    outbox: z
      .object({
        tasksWaiting: count.meta({ description: 'Tasks whose events wait in their outbox for Service Bus.' }),
        oldestSince: instant.nullable(),
        oldestAgeSeconds: z.number().int().min(0),
      })
      .nullable(),
    overdue: z
      .object({
        total: count,
        byJurisdiction: z.object(Object.fromEntries(JURISDICTIONS.map((jurisdiction) => [jurisdiction, count])) as Record<(typeof JURISDICTIONS)[number], typeof count>),
      })
      .nullable(),
    audit: z.object({
      lastRecordedAt: instant.nullable(),
      lagSeconds: z
        .object({ latest: z.number().min(0), average: z.number().min(0), max: z.number().min(0) })
        .nullable()
        .meta({ description: 'From event to audit record, over the newest records (null without any).' }),
      sampled: count,
      /** Events waiting in the audit subscription right now (null when Service Bus could not be asked). */
      waiting: count.nullable(),
    }).nullable(),
    notifications: z
      .object({
        since: instant,
        sent: count,
        rejected: count,
        retrying: count,
      })
      .nullable(),
    recentFailures: z
      .array(
        z.object({
          entity: entityName,
          messageId: z.string().max(260),
          subject: z.string().max(260).nullable(),
          reason: z.string().max(500).nullable(),
          description: z.string().max(2000).nullable(),
          enqueuedTimeUtc: instant.nullable(),
          deliveryCount: count,
        }),
      )
      .max(20)
      .meta({ description: 'The newest dead-lettered messages across entities.' }),
  })
  .meta({ id: 'OperationsOverview' });

export type OperationsOverview = z.infer<typeof operationsOverviewSchema>;
