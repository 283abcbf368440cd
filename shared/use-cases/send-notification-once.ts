import type { PlannedEmail } from '../domain/notification-rules.js';
import { NotifyAuthError, NotifyError } from '../notifications/notify-port.js';
import type { NotificationRecord } from '../schemas/notification.js';
import type { Services } from '../services.js';
import { isPreconditionFailed } from '../store/cosmos-errors.js';
import type { StoredNotification } from '../store/notification-repository.js';

/**
 * One email, sent at most once however often it is planned (Service Bus delivers at least once;
 * events are republished and dead letters replayed). The ledger record is written before Notify is
 * called, the ledger id goes to Notify as the email's `reference`, and the record is marked sent
 * once Notify accepted it:
 *
 * - no record: create it as `sending` (a lease), send, mark it `sent`;
 * - `sent`: nothing to do (a redelivery, a replay);
 * - `sending` with a live lease: another delivery is sending it now: try again after the lease;
 * - `sending` past its lease (a crash between the send and the mark) or `unknown` (5xx, timeout):
 *   Notify may have it, so ask Notify for notifications with this reference first; found: mark
 *   it sent; not found: send;
 * - `retrying` (429, refused key): not sent; send again;
 * - `rejected` (400): sent again only on an operator's replay of the dead letter.
 *
 * Every transition is an ETag-conditioned write, so of two deliveries racing for one email only
 * one holds the lease and calls Notify.
 */
export type SendOutcome =
  | { kind: 'sent'; notifyId: string }
  /** Nothing sent now: it was sent before (found in the ledger or, after a lost answer, at Notify). */
  | { kind: 'duplicate'; foundAtNotify: boolean }
  /** Not sent yet; try again after delayMs (Notify busy or down, or another delivery holds the lease). */
  | { kind: 'retry-later'; delayMs: number; reason: string }
  /** Notify refused the email itself (400), or kept refusing it MAX_ATTEMPTS times: dead-letter it with the reason. */
  | { kind: 'rejected'; reason: string };

/** How long a delivery may take over an email before another may assume it crashed (above the client's 15 s timeout). */
export const SEND_LEASE_MS = 60_000;
/** Notify calls for one email before it is dead-lettered instead of retried (about 6 hours of backoff). */
export const MAX_ATTEMPTS = 12;
/** Backoff of retries without a Retry-After: 30 s, doubling, at most an hour, ±20 % jitter. */
export const RETRY_BASE_MS = 30_000;
export const RETRY_MAX_MS = 3_600_000;

export type SendDeps = Pick<Services, 'notifications' | 'notify' | 'now'>;

export interface SendRequest {
  email: PlannedEmail;
  templateId: string;
  /** The delivery is an operator's replay of a dead letter: a rejected email is tried once more. */
  replay: boolean;
  /** Digests: the end of the window covered, kept on the record. */
  windowEnd?: string;
}

/** Ledger races (412/409) resolved by reading again; more than this many in a row is a real problem. */
const RACE_ATTEMPTS = 5;

export async function sendNotificationOnce(deps: SendDeps, request: SendRequest, random: () => number = Math.random): Promise<SendOutcome> {
  const { email } = request;
  for (let race = 1; ; race++) {
    try {
      const stored = await deps.notifications.get(email.id);
      if (!stored) {
        const created = await deps.notifications.create(newRecord(deps, request));
        if (!created) continue; // someone else created it meanwhile: decide on theirs
        return await send(deps, request, created, random);
      }
      const record = stored.document;
      const now = deps.now().getTime();
      switch (record.status) {
        case 'sent':
          return { kind: 'duplicate', foundAtNotify: false };
        case 'rejected':
          if (!request.replay) return { kind: 'rejected', reason: record.lastError ?? 'Notify rejected it' };
          return await claimAndSend(deps, request, stored, random);
        case 'sending':
          if (record.leaseUntil && Date.parse(record.leaseUntil) > now) {
            return { kind: 'retry-later', delayMs: Date.parse(record.leaseUntil) - now + 1000, reason: 'another delivery is sending it' };
          }
          return await lookUpThenSend(deps, request, stored, random);
        case 'unknown':
          return await lookUpThenSend(deps, request, stored, random);
        case 'retrying':
          if (record.attempts >= MAX_ATTEMPTS && !request.replay) return gaveUp(record);
          return await claimAndSend(deps, request, stored, random);
      }
    } catch (error) {
      if (isPreconditionFailed(error) && race < RACE_ATTEMPTS) continue;
      throw error;
    }
  }
}

function newRecord(deps: SendDeps, request: SendRequest): NotificationRecord {
  const at = deps.now();
  const { email } = request;
  return {
    id: email.id,
    docType: 'notification',
    kind: email.kind,
    sourceId: email.sourceId,
    recipientId: email.recipientId,
    templateId: request.templateId,
    status: 'sending',
    attempts: 1,
    leaseUntil: new Date(at.getTime() + SEND_LEASE_MS).toISOString(),
    notifyId: null,
    lastError: null,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    sentAt: null,
    ...(request.windowEnd ? { windowEnd: request.windowEnd } : {}),
  };
}

/** The outcome of an earlier send is unknown: Notify is asked for the reference before anything is sent again. */
async function lookUpThenSend(deps: SendDeps, request: SendRequest, stored: StoredNotification, random: () => number): Promise<SendOutcome> {
  let found: { id: string }[];
  try {
    found = await deps.notify.findByReference(request.email.id);
  } catch (error) {
    if (error instanceof NotifyError && !error.isAuthFailure && !error.isRejection) {
      return { kind: 'retry-later', delayMs: retryDelayMs(stored.document.attempts, error.retryAfterSeconds, random), reason: `looking it up: ${error.message}` };
    }
    throw error;
  }
  if (found.length > 0) {
    await mark(deps, stored, { status: 'sent', notifyId: found[0]!.id, sentAt: deps.now().toISOString(), leaseUntil: null });
    return { kind: 'duplicate', foundAtNotify: true };
  }
  if (stored.document.attempts >= MAX_ATTEMPTS && !request.replay) return gaveUp(stored.document);
  return claimAndSend(deps, request, stored, random);
}

/** Takes the lease (conditioned on the version read: a 412 means someone else did) and sends. */
async function claimAndSend(deps: SendDeps, request: SendRequest, stored: StoredNotification, random: () => number): Promise<SendOutcome> {
  const now = deps.now();
  const claimed = await deps.notifications.replace(
    {
      ...stored.document,
      status: 'sending',
      attempts: stored.document.attempts + 1,
      leaseUntil: new Date(now.getTime() + SEND_LEASE_MS).toISOString(),
      templateId: request.templateId,
      updatedAt: now.toISOString(),
    },
    stored,
  );
  return send(deps, request, claimed, random);
}

async function send(deps: SendDeps, request: SendRequest, claimed: StoredNotification, random: () => number): Promise<SendOutcome> {
  const { email } = request;
  const attempts = claimed.document.attempts;
  let notifyId: string;
  try {
    ({ id: notifyId } = await deps.notify.sendEmail({
      templateId: request.templateId,
      emailAddress: email.emailAddress,
      personalisation: email.personalisation,
      reference: email.id,
    }));
  } catch (error) {
    if (!(error instanceof NotifyError)) {
      // A refused key (NotifyAuthError) or anything unexpected: certainly or possibly not sent.
      await mark(deps, claimed, { status: error instanceof NotifyAuthError ? 'retrying' : 'unknown', leaseUntil: null, lastError: describe(error) });
      throw error;
    }
    if (error.isRejection) {
      await mark(deps, claimed, { status: 'rejected', leaseUntil: null, lastError: error.message });
      return { kind: 'rejected', reason: error.message };
    }
    // 429 (and any other 4xx): Notify did not take it. 5xx or no answer: it may have.
    const certainlyNotSent = error.status !== undefined && error.status < 500;
    await mark(deps, claimed, { status: certainlyNotSent ? 'retrying' : 'unknown', leaseUntil: null, lastError: error.message });
    if (attempts >= MAX_ATTEMPTS) return gaveUp({ ...claimed.document, lastError: error.message });
    return { kind: 'retry-later', delayMs: retryDelayMs(attempts, error.retryAfterSeconds, random), reason: error.message };
  }
  // Accepted. If this write fails the record stays `sending`: after the lease, a redelivery looks
  // the reference up at Notify, finds it and sends nothing.
  await markSent(deps, claimed, notifyId);
  return { kind: 'sent', notifyId };
}

/** Sent is final: if the record changed meanwhile (it should not, under the lease), it is marked sent on the fresh version. */
async function markSent(deps: SendDeps, stored: StoredNotification, notifyId: string): Promise<void> {
  let current = stored;
  for (let race = 1; ; race++) {
    try {
      await mark(deps, current, { status: 'sent', notifyId, sentAt: deps.now().toISOString(), leaseUntil: null, lastError: null });
      return;
    } catch (error) {
      const fresh = isPreconditionFailed(error) && race < RACE_ATTEMPTS ? await deps.notifications.get(stored.document.id) : undefined;
      if (!fresh) throw error;
      current = fresh;
    }
  }
}

/** Records a transition on the version this delivery holds. */
async function mark(deps: SendDeps, stored: StoredNotification, change: Partial<NotificationRecord>): Promise<void> {
  await deps.notifications.replace({ ...stored.document, ...change, updatedAt: deps.now().toISOString() }, stored);
}

function gaveUp(record: NotificationRecord): SendOutcome {
  return { kind: 'rejected', reason: `not sent after ${record.attempts} attempts; last: ${record.lastError ?? 'unknown'}` };
}

/**
 * When to try again: what the server asked for (Retry-After), else exponential backoff from 30 s,
 * doubling per attempt up to an hour, with ±20 % jitter so retries scheduled together spread out.
 */
export function retryDelayMs(attempts: number, retryAfterSeconds: number | undefined, random: () => number = Math.random): number {
  if (retryAfterSeconds !== undefined) return Math.max(1000, retryAfterSeconds * 1000);
  const base = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
