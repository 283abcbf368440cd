import type { DeadLetteredMessage } from '../shared/messaging/messaging.js';
import type { OperationsOverview } from '../shared/schemas/operations-overview.js';

/** The admin endpoints the console reads, relative to the page (…/api/console → …/api/v1/…). */

export class NotSignedIn extends Error {
  constructor(readonly status: number) {
    super(status === 403 ? 'This account is not an admin: the console needs the admin role.' : 'The sign-in has ended: sign in again.');
  }
}

/**
 * API Management's subscription key, when the operator has entered one: behind the gateway the
 * admin routes need it (the page itself is keyless). The header's name comes from the page.
 */
let gatewayKey: { header: string; value: string } | undefined;

export function useSubscriptionKey(header: string, value: string | undefined): void {
  gatewayKey = header && value ? { header, value } : undefined;
}

async function call<T>(token: string, path: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  if (gatewayKey) headers[gatewayKey.header] = gatewayKey.value;
  const response = await fetch(new URL(path, location.href), { method, headers });
  // The gateway's own 401 names the key header in its challenge: that is not a lapsed sign-in.
  const challenge = response.headers.get('www-authenticate') ?? '';
  if (response.status === 401 && /subscription-key/i.test(challenge)) {
    throw new Error('The gateway needs a valid subscription key: enter it above.');
  }
  if (response.status === 401 || response.status === 403) throw new NotSignedIn(response.status);
  const body = (await response.json()) as { data?: T; detail?: string };
  if (!response.ok) throw new Error(body.detail ?? `The API answered ${response.status}.`);
  return body.data as T;
}

export const overview = (token: string) => call<OperationsOverview>(token, 'v1/admin/overview');
export const deadLetters = (token: string, entity: string) => call<DeadLetteredMessage[]>(token, `v1/admin/dead-letters/${encodeURIComponent(entity)}?max=50`);
export const replay = (token: string, entity: string) =>
  call<{ replayed: number; messageIds: string[] }>(token, `v1/admin/dead-letters/${encodeURIComponent(entity)}/replay?max=100`, 'POST');
