import notifyClientModule from 'notifications-node-client';
import { NotifyError, type NotifyEmail, type NotifyPort } from './notify-port.js';

/**
 * GOV.UK Notify through its official Node client. The one place `notifications-node-client` (and
 * with it axios and jsonwebtoken) is imported, and only ever dynamically (notify-gateway.ts), so
 * the deployment package keeps it in a module of its own (dev/package/layout.ts DEFERRED_MODULES),
 * loaded when the first email is sent.
 *
 * The client signs each request with a fresh JWT (HS256 with the key's secret, iss = the service
 * id, iat = now); it takes the base URL first, which is how it is pointed at the local
 * Notify-compatible API (dev/notify).
 */
const { NotifyClient } = notifyClientModule;

/** No call waits longer: an answer that never comes is treated as "may have been sent". */
const TIMEOUT_MS = 15_000;

export function createNotifyClient(baseUrl: string, apiKey: string): NotifyPort {
  const client = new NotifyClient(baseUrl.replace(/\/+$/, ''), apiKey);
  return {
    async sendEmail(email: NotifyEmail) {
      const response = await withTimeout(
        client.sendEmail(email.templateId, email.emailAddress, { personalisation: email.personalisation, reference: email.reference }),
      );
      return { id: String((response.data as { id: string }).id) };
    },
    async findByReference(reference: string) {
      const response = await withTimeout(client.getNotifications('email', undefined, reference));
      const { notifications } = response.data as { notifications: { id: string; status: string; reference?: string }[] };
      return notifications.filter((notification) => notification.reference === reference).map(({ id, status }) => ({ id, status }));
    },
  };
}

async function withTimeout<T>(request: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NotifyError(`no answer from Notify within ${TIMEOUT_MS / 1000} s`, undefined)), TIMEOUT_MS);
  });
  try {
    return await Promise.race([request.catch((error: unknown) => Promise.reject(toNotifyError(error))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface AxiosLikeError {
  message?: string;
  code?: string;
  response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
}

/** Notify answers errors as { status_code, errors: [{ error, message }] }; axios puts that on error.response. */
function toNotifyError(error: unknown): NotifyError {
  if (error instanceof NotifyError) return error;
  const { response, message, code } = (error ?? {}) as AxiosLikeError;
  if (!response?.status) return new NotifyError(`Notify could not be reached: ${code ?? message ?? String(error)}`, undefined);
  const first = (response.data as { errors?: { error?: string; message?: string }[] } | undefined)?.errors?.[0];
  const retryAfter = Number(response.headers?.['retry-after']);
  return new NotifyError(
    `Notify answered ${response.status}${first ? ` ${first.error ?? ''}: ${first.message ?? ''}` : ''}`.trim(),
    response.status,
    first?.error,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}
