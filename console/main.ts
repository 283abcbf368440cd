import type { OperationsOverview } from '../shared/schemas/operations-overview.js';
import { deadLetters, NotSignedIn, overview, replay, useSubscriptionKey } from './api.js';
import { currentSession, finishSignIn, signOut, startSignIn, type Session, type SignInConfig } from './sign-in.js';

/**
 * The operations console in the browser: signs in, then reads /v1/admin/overview every 5 seconds
 * and draws it; lists and replays dead letters on request. Everything is written with textContent
 * (never HTML), so nothing the API returns can run as code, and the page's CSP forbids inline code
 * anyway.
 */

const REFRESH_MS = 5_000;
/** Kept for the tab's life only, like the sign-in. */
const SUBSCRIPTION_KEY_STORE = 'caseload.console.subscriptionKey';

const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
};

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string | number | null, attributes: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (text !== undefined && text !== null) created.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) created.setAttribute(name, value);
  return created;
}

function row(cells: (string | number | null | Node)[], attributes: Record<string, string> = {}, fields: string[] = []): HTMLTableRowElement {
  const tr = element('tr', undefined, attributes);
  cells.forEach((cell, index) => {
    const td = element('td', cell instanceof Node ? undefined : (cell ?? '—'));
    if (cell instanceof Node) td.append(cell);
    if (fields[index]) td.dataset['field'] = fields[index];
    tr.append(td);
  });
  return tr;
}

const status = (text: string, alert = false) => {
  const target = byId('status');
  target.textContent = text;
  target.hidden = text === '';
  target.setAttribute('role', alert ? 'alert' : 'status');
};

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
const seconds = (value: number) => (value < 120 ? `${value} s` : `${Math.round(value / 60)} min`);

function draw(data: OperationsOverview, session: Session, openDeadLetters: (entity: string) => void): void {
  byId('generated-at').textContent = `as of ${when(data.generatedAt)}`;
  const error = byId('service-bus-error');
  error.hidden = data.serviceBus.error === null;
  error.textContent = data.serviceBus.error ?? '';
  byId('entities')
    .querySelector('tbody')!
    .replaceChildren(
      ...(data.serviceBus.entities ?? []).map((entity) => {
        const button = element('button', 'Dead letters', { 'data-dead-letters': entity.entity, class: 'secondary outline' });
        button.addEventListener('click', () => openDeadLetters(entity.entity));
        return row([entity.entity, entity.path, entity.active, entity.scheduled, entity.deadLettered, button], { 'data-entity': entity.entity }, ['entity', 'path', 'active', 'scheduled', 'deadLettered']);
      }),
    );

  const unavailable = (part: string) => data.unavailable.find((entry) => entry.part === part)?.reason ?? 'unavailable';
  const figure = (card: string, field: string, text: string) => {
    byId(card).querySelector(`[data-field="${field}"]`)!.textContent = text;
  };

  const { outbox, audit, notifications, overdue } = data;
  figure('outbox', 'tasksWaiting', outbox ? `${outbox.tasksWaiting} tasks waiting` : '—');
  figure('outbox', 'oldest', outbox ? (outbox.oldestSince ? `oldest event waiting ${seconds(outbox.oldestAgeSeconds)}` : 'nothing waiting') : unavailable('outbox'));

  figure('audit', 'lag', audit?.lagSeconds ? `${audit.lagSeconds.latest} s` : '—');
  figure(
    'audit',
    'detail',
    !audit
      ? unavailable('audit')
      : audit.lagSeconds
        ? `average ${audit.lagSeconds.average} s, max ${audit.lagSeconds.max} s over the last ${audit.sampled} records; ${audit.waiting ?? '?'} events waiting`
        : 'no audit records yet',
  );

  figure('notifications', 'sent', notifications ? `${notifications.sent} sent` : '—');
  figure('notifications', 'detail', notifications ? `${notifications.rejected} rejected, ${notifications.retrying} waiting to retry` : unavailable('notifications'));

  byId('overdue')
    .querySelector('tbody')!
    .replaceChildren(
      ...(overdue
        ? [...Object.entries(overdue.byJurisdiction).map(([jurisdiction, count]) => row([jurisdiction, count], { 'data-jurisdiction': jurisdiction })), row(['Total', overdue.total])]
        : [row([unavailable('overdue')])]),
    );

  byId('failures')
    .querySelector('tbody')!
    .replaceChildren(
      ...(data.recentFailures.length === 0
        ? [row(['No dead letters'])]
        : data.recentFailures.map((failure) => row([failure.entity, failure.messageId, failure.subject, failure.reason, when(failure.enqueuedTimeUtc)]))),
    );
  byId('who').textContent = session.name;
}

async function main(): Promise<void> {
  const body = document.body.dataset;
  const config: SignInConfig = { issuer: body['issuer'] ?? '', clientId: body['clientId'] ?? '', scope: body['scope'] ?? '' };
  const signInButton = byId<HTMLButtonElement>('sign-in');
  const signOutButton = byId<HTMLButtonElement>('sign-out');
  signInButton.addEventListener('click', () => {
    startSignIn(config).catch((error: unknown) => status(`Sign-in failed: ${(error as Error).message}`, true));
  });
  signOutButton.addEventListener('click', () => {
    signOut();
    location.reload();
  });
  if (!config.clientId) {
    status('Sign-in is not configured: set CONSOLE_CLIENT_ID (docs/observability.md).', true);
    return;
  }

  let session: Session | undefined;
  try {
    session = (await finishSignIn(config)) ?? currentSession();
  } catch (error) {
    status(`Sign-in failed: ${(error as Error).message}`, true);
  }
  if (!session) {
    signInButton.hidden = false;
    if (byId('status').getAttribute('role') !== 'alert') status('Sign in as an admin to see the operations overview.');
    return;
  }
  signOutButton.hidden = false;
  const token = session.accessToken;

  const keyHeader = body['subscriptionKeyHeader'] ?? '';
  const keyInput = byId<HTMLInputElement>('subscription-key');
  keyInput.value = sessionStorage.getItem(SUBSCRIPTION_KEY_STORE) ?? '';
  useSubscriptionKey(keyHeader, keyInput.value || undefined);
  keyInput.hidden = false;

  let shownEntity: string | undefined;
  const section = byId('dead-letters');
  const showDeadLetters = async (entity: string) => {
    shownEntity = entity;
    const messages = await deadLetters(token, entity);
    byId('dead-letters-entity').textContent = entity;
    section
      .querySelector('tbody')!
      .replaceChildren(
        ...(messages.length === 0
          ? [row(['None'])]
          : messages.map((message) => row([message.messageId, message.subject, message.deadLetterReason, message.deliveryCount, when(message.enqueuedTimeUtc)], { 'data-message-id': message.messageId }))),
      );
    byId<HTMLButtonElement>('replay').disabled = messages.length === 0;
    section.hidden = false;
  };

  let timer: number | undefined;
  /** What the operator last did (a replay), shown until the next action; errors replace it. */
  let notice = '';
  const refresh = async () => {
    window.clearTimeout(timer);
    try {
      draw(await overview(token), session, (entity) => void showDeadLetters(entity).catch(report));
      byId('overview').hidden = false;
      status(notice);
      timer = window.setTimeout(() => void refresh(), REFRESH_MS);
    } catch (error) {
      report(error);
    }
  };
  const report = (error: unknown) => {
    if (error instanceof NotSignedIn) {
      signOut();
      signInButton.hidden = false;
      signOutButton.hidden = true;
      byId('overview').hidden = true;
      status(error.message, true);
      return;
    }
    status(`Could not refresh: ${(error as Error).message}`, true);
    timer = window.setTimeout(() => void refresh(), REFRESH_MS);
  };

  byId('replay').addEventListener('click', () => {
    if (!shownEntity) return;
    const entity = shownEntity;
    replay(token, entity)
      .then(async (result) => {
        notice = `Replayed ${result.replayed} message(s) of ${entity}.`;
        status(notice);
        await showDeadLetters(entity);
        await refresh();
      })
      .catch(report);
  });
  keyInput.addEventListener('change', () => {
    const value = keyInput.value.trim();
    if (value) sessionStorage.setItem(SUBSCRIPTION_KEY_STORE, value);
    else sessionStorage.removeItem(SUBSCRIPTION_KEY_STORE);
    useSubscriptionKey(keyHeader, value || undefined);
    void refresh();
  });
  byId('close-dead-letters').addEventListener('click', () => {
    section.hidden = true;
    shownEntity = undefined;
  });
  await refresh();
}

void main();
