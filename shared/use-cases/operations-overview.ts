import { overdueByJurisdiction } from '../domain/task-counters.js';
import type { DeadLetteredMessage, EntityCounts } from '../messaging/messaging.js';
import type { OperationsOverview } from '../schemas/operations-overview.js';
import { JURISDICTIONS } from '../schemas/task.js';
import type { Services } from '../services.js';

/** Audit records the lag is measured over: enough to smooth one slow write, few enough to be cheap. */
export const AUDIT_LAG_SAMPLE = 50;
/** Dead letters listed as recent failures, newest first. */
export const RECENT_FAILURES = 10;
/** How far back the notification figures look. */
export const NOTIFICATIONS_WINDOW_MS = 24 * 60 * 60 * 1000;

export type OverviewDeps = Pick<Services, 'messaging' | 'tasks' | 'counters' | 'audit' | 'notifications' | 'now'>;

/**
 * The figures behind the operations console, read from where each is kept: message counts from
 * Service Bus (its runtime properties; the local broker's stats), the outbox backlog and audit lag
 * from Cosmos DB, the overdue backlog from the maintained counters, the last day's emails from the
 * notification ledger, and the newest dead letters. The console is for bad days, so a part that
 * cannot be read (Service Bus unreachable, a container gone) does not fail the overview: its
 * figures are null and `unavailable` (or `serviceBus.error`) says which and why.
 */
export async function operationsOverview(deps: OverviewDeps): Promise<OperationsOverview> {
  const now = deps.now();
  const since = new Date(now.getTime() - NOTIFICATIONS_WINDOW_MS).toISOString();
  const unavailable: OperationsOverview['unavailable'] = [];
  const attempt = <T>(part: OperationsOverview['unavailable'][number]['part'], read: () => Promise<T>): Promise<T | null> =>
    read().catch(() => {
      unavailable.push({ part, reason: 'could not be read from the database' });
      return null;
    });
  const [entities, backlog, totals, auditTimes, notifications] = await Promise.all([
    deps.messaging.entityCounts().then(
      (counts) => ({ counts, error: null }),
      () => ({ counts: null, error: 'Service Bus did not answer' }),
    ),
    attempt('outbox', () => deps.tasks.outboxBacklog()),
    attempt('overdue', () => deps.counters.totalsOf(JURISDICTIONS)),
    attempt('audit', () => deps.audit.recentTimes(AUDIT_LAG_SAMPLE)),
    attempt('notifications', async () => {
      const [sent, rejected, retrying] = await Promise.all((['sent', 'rejected', 'retrying'] as const).map((status) => deps.notifications.countSince(status, since)));
      return { since, sent: sent!, rejected: rejected!, retrying: retrying! };
    }),
  ]);
  const overdue = totals ? overdueByJurisdiction(totals) : null;
  return {
    generatedAt: now.toISOString(),
    serviceBus: { entities: entities.counts, error: entities.error },
    unavailable: unavailable.sort((a, b) => a.part.localeCompare(b.part)),
    outbox: backlog && {
      tasksWaiting: backlog.tasks,
      oldestSince: backlog.oldestSince,
      oldestAgeSeconds: backlog.oldestSince ? Math.max(0, Math.round((now.getTime() - Date.parse(backlog.oldestSince)) / 1000)) : 0,
    },
    overdue: overdue && { total: Object.values(overdue).reduce((sum, value) => sum + value, 0), byJurisdiction: overdue },
    audit: auditTimes && {
      lastRecordedAt: auditTimes.reduce<string | null>((latest, record) => (latest === null || record.recordedAt > latest ? record.recordedAt : latest), null),
      lagSeconds: lagOf(auditTimes),
      sampled: auditTimes.length,
      waiting: entities.counts?.find((entity) => entity.entity === 'audit')?.active ?? null,
    },
    notifications,
    recentFailures: await recentFailures(deps, entities.counts),
  };
}

function lagOf(records: readonly { occurredAt: string; recordedAt: string }[]): NonNullable<OperationsOverview['audit']>['lagSeconds'] {
  if (records.length === 0) return null;
  const lags = records.map((record) => Math.max(0, (Date.parse(record.recordedAt) - Date.parse(record.occurredAt)) / 1000));
  const round = (value: number) => Math.round(value * 10) / 10;
  return { latest: round(lags[0]!), average: round(lags.reduce((sum, lag) => sum + lag, 0) / lags.length), max: round(Math.max(...lags)) };
}

/** The newest dead letters of the entities that have any (peeked: nothing is received or changed). */
async function recentFailures(deps: OverviewDeps, counts: readonly EntityCounts[] | null): Promise<OperationsOverview['recentFailures']> {
  const withDeadLetters = (counts ?? []).filter((entity) => entity.deadLettered > 0);
  const listed = await Promise.all(
    withDeadLetters.map(async (entity) => (await deps.messaging.peekDeadLetters(entity.entity, RECENT_FAILURES).catch((): DeadLetteredMessage[] => [])).map((message) => ({ entity: entity.entity, message }))),
  );
  return listed
    .flat()
    .sort((a, b) => (b.message.enqueuedTimeUtc ?? '').localeCompare(a.message.enqueuedTimeUtc ?? ''))
    .slice(0, RECENT_FAILURES)
    .map(({ entity, message }) => ({
      entity,
      messageId: message.messageId,
      subject: message.subject,
      reason: message.deadLetterReason,
      description: message.deadLetterErrorDescription,
      enqueuedTimeUtc: message.enqueuedTimeUtc,
      deliveryCount: message.deliveryCount,
    }));
}
