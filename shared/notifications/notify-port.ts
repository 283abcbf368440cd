/**
 * The app's view of GOV.UK Notify: send an email with a reference, and find what Notify holds
 * under a reference. The adapter over the official client (notify-client.ts, loaded on first use)
 * and the key handling around it (notify-gateway.ts) implement it; use-case tests use a fake.
 */
export interface NotifyEmail {
  templateId: string;
  emailAddress: string;
  personalisation: Record<string, string | string[]>;
  /** Ours, unique per email: the ledger id. Notify returns it and can be searched by it. */
  reference: string;
}

export interface NotifyPort {
  /** Resolves with Notify's id once Notify accepted the email; rejects with a NotifyError. */
  sendEmail(email: NotifyEmail): Promise<{ id: string }>;
  /** Email notifications Notify holds with this reference (any status), newest first; rejects with a NotifyError. */
  findByReference(reference: string): Promise<{ id: string; status: string }[]>;
}

/**
 * A failed call. `status` is Notify's HTTP status, or undefined when no answer came (network
 * error, timeout): then Notify may or may not have acted on the request.
 */
export class NotifyError extends Error {
  override readonly name = 'NotifyError';

  constructor(
    message: string,
    readonly status: number | undefined,
    /** Notify's error name, e.g. BadRequestError, AuthError, RateLimitError. */
    readonly errorName: string | undefined = undefined,
    /** From a Retry-After header, when the server sent one. */
    readonly retryAfterSeconds: number | undefined = undefined,
  ) {
    super(message);
  }

  /** 400: the template or the personalisation is wrong; sending it again cannot help. */
  get isRejection(): boolean {
    return this.status === 400;
  }

  /** 401/403: the API key is wrong, revoked, or the token was refused. */
  get isAuthFailure(): boolean {
    return this.status === 401 || this.status === 403;
  }

  /** 429: over the rate limit (3,000 a minute per service) or the daily limit; not sent. */
  get isRateLimited(): boolean {
    return this.status === 429;
  }
}

/**
 * The NotifyError class of this bundle for an error thrown by the client adapter, which lives in a
 * deferred bundle with its own copy of this module (so `instanceof` alone would not recognise it).
 */
export function asNotifyError(error: unknown): unknown {
  if (error instanceof NotifyError || !(error instanceof Error) || error.name !== 'NotifyError') return error;
  const { status, errorName, retryAfterSeconds } = error as Partial<NotifyError>;
  return new NotifyError(error.message, status, errorName, retryAfterSeconds);
}

/** Notify refused the API key even after it was read again: the key is wrong or revoked. */
export class NotifyAuthError extends Error {
  override readonly name = 'NotifyAuthError';
}
