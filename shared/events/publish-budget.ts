/**
 * How long a request (or one consumer invocation) waits for Service Bus after its write succeeded.
 *
 * The write is already durable and its events are in the task's outbox, so waiting longer buys
 * nothing but a slow answer: a publish that has not finished within the budget is abandoned
 * (its send aborted) and the outbox relay delivers the events later, with the same messageIds, so
 * Service Bus drops any copy that did get through. A healthy send takes tens of milliseconds; the
 * budget leaves room for opening the AMQP link on a cold instance.
 */
export const PUBLISH_BUDGET_MS = 1_500;

/**
 * One request's publishing budget. Each publish gets `perPublishMs`; once one has run out of time
 * or failed, Service Bus is taken to be unwell for the rest of the request, and later publishes in
 * it (a batch of 100 writes, a chunk of reassignments) go straight to the relay instead of each
 * waiting out the budget again. A request therefore waits for Service Bus for at most about one
 * budget in total.
 */
export interface PublishBudget {
  readonly perPublishMs: number;
  /** Set once a publish ran out of time or failed. */
  spent: boolean;
}

export function newPublishBudget(perPublishMs: number = PUBLISH_BUDGET_MS): PublishBudget {
  return { perPublishMs, spent: false };
}

export class PublishTimeoutError extends Error {
  override readonly name = 'PublishTimeoutError';
  constructor(ms: number) {
    super(`Service Bus did not confirm the send within the ${ms} ms publish budget`);
  }
}

/**
 * Runs `work` with an abort signal that fires after `ms`, and stops waiting for it then even if
 * the work ignores the signal. The work's own late failure is swallowed (nobody awaits it).
 */
export async function withinBudget<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new PublishTimeoutError(ms);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  const running = work(controller.signal);
  running.catch(() => undefined);
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}
