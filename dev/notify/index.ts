import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { jwtVerify, decodeJwt } from 'jose';
import { HttpError, readJson, sendJson, sendProblem } from '../service-bus/http.js';
import { DEV_NOTIFY_TEMPLATES, placeholders, type DevTemplate } from './templates.js';

/**
 * A GOV.UK Notify-compatible API for the local host, so the app's real client
 * (notifications-node-client) sends real requests without a Notify account. See README.md.
 *
 *   POST /notify/v2/notifications/email        send an email (201), as Notify's v2 API
 *   GET  /notify/v2/notifications?reference=…  notifications by reference, template type, status
 *   GET  /admin/notifications                  every email received (recipient, template, personalisation, reference, time)
 *   GET|PUT /admin/notifications/faults        answer 400, 403, 429 or 500 instead, for tests
 *   POST /admin/notifications/api-key/rotate   a new key secret (the old key is refused from then on)
 *
 * Requests are authenticated as Notify does: a bearer JWT signed HS256 with the API key's secret,
 * `iss` the service id, `iat` within 30 seconds of now.
 */
export const LOCAL_NOTIFY_PATH = '/notify';
const API_PREFIX = `${LOCAL_NOTIFY_PATH}/v2/`;
const ADMIN_PREFIX = '/admin/notifications';
const CLOCK_SKEW_SECONDS = 30;

/** An email as the local service recorded it. */
export interface ReceivedEmail {
  id: string;
  emailAddress: string;
  templateId: string;
  personalisation: Record<string, unknown>;
  reference: string | null;
  createdAt: string;
  subject: string;
  body: string;
}

/** What the next email sends get instead of a 201 (for tests); `count` unset means until cleared. */
export interface NotifyFaults {
  status: 400 | 403 | 429 | 500 | null;
  count: number | null;
  /** Record the email, then answer `status` anyway: a lost answer (the send happened). */
  afterAccepting: boolean;
  /** Sent as Retry-After with the fault (real Notify does not send one; tests use it to have the app retry sooner). */
  retryAfterSeconds: number | null;
}

export interface LocalNotify {
  /** Answers the Notify API and the admin API; returns true when the request was one of theirs. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The service's current API key, `<name>-<service id>-<secret>`: what Key Vault holds in Azure. */
  apiKey(): string;
  readonly serviceId: string;
}

const NO_FAULTS: NotifyFaults = { status: null, count: null, afterAccepting: false, retryAfterSeconds: null };

const FAULT_ERRORS: Record<number, { error: string; message: string }> = {
  400: { error: 'BadRequestError', message: 'Fault injected by the local Notify: bad request' },
  403: { error: 'AuthError', message: 'Invalid token: API key revoked' },
  429: { error: 'RateLimitError', message: 'Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds' },
  500: { error: 'Exception', message: 'Internal server error' },
};

export function startLocalNotify(options: { dataDir: string; now?: () => number; log?: (line: string) => void }): LocalNotify {
  const now = options.now ?? Date.now;
  const serviceId = randomUUID();
  let secret = randomUUID();
  let faults: NotifyFaults = { ...NO_FAULTS };
  const templates = new Map<string, DevTemplate>(Object.values(DEV_NOTIFY_TEMPLATES).map((template) => [template.id, template]));
  // Every email received, kept across restarts of the local host (one JSON line each).
  const dir = join(options.dataDir, 'notify');
  mkdirSync(dir, { recursive: true });
  const journal = join(dir, 'emails.jsonl');
  const emails: ReceivedEmail[] = existsSync(journal)
    ? readFileSync(journal, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as ReceivedEmail)
    : [];

  const notifyError = (res: ServerResponse, status: number, error: string, message: string, headers: Record<string, string> = {}) => {
    const body = JSON.stringify({ status_code: status, errors: [{ error, message }] });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };

  /** Notify's authentication: a bearer JWT, HS256 with the key's secret, iss = service id, fresh iat. */
  const authenticate = async (req: IncomingMessage): Promise<string | undefined> => {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/i.exec(header)?.[1];
    if (!token) return 'Unauthorized: authentication token must be provided';
    let claims;
    try {
      claims = decodeJwt(token);
    } catch {
      return 'Invalid token: not a JWT';
    }
    if (claims.iss !== serviceId) return 'Invalid token: service not found';
    try {
      await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'], clockTolerance: CLOCK_SKEW_SECONDS, currentDate: new Date(now()) });
    } catch {
      return 'Invalid token: API key not found';
    }
    if (typeof claims.iat !== 'number' || Math.abs(now() / 1000 - claims.iat) > CLOCK_SKEW_SECONDS) {
      return `Error: Your system clock must be accurate to within ${CLOCK_SKEW_SECONDS} seconds`;
    }
    return undefined;
  };

  const takeFault = (): NotifyFaults | undefined => {
    if (faults.status === null) return undefined;
    const taken = { ...faults };
    if (faults.count !== null) {
      faults.count -= 1;
      if (faults.count <= 0) faults = { ...NO_FAULTS };
    }
    return taken;
  };

  const sendEmail = async (req: IncomingMessage, res: ServerResponse) => {
    const body = (await readJson(req)) as Record<string, unknown>;
    const templateId = body['template_id'];
    const emailAddress = body['email_address'];
    const personalisation = (body['personalisation'] ?? {}) as Record<string, unknown>;
    const reference = typeof body['reference'] === 'string' ? body['reference'] : null;
    const template = typeof templateId === 'string' ? templates.get(templateId) : undefined;
    if (!template) return notifyError(res, 400, 'BadRequestError', 'Template not found');
    if (typeof emailAddress !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(emailAddress)) {
      return notifyError(res, 400, 'ValidationError', 'email_address Not a valid email address');
    }
    const missing = placeholders(`${template.subject}\n${template.body}`).filter((name) => personalisation[name] === undefined || personalisation[name] === null);
    if (missing.length > 0) return notifyError(res, 400, 'BadRequestError', `Missing personalisation: ${missing.join(', ')}`);

    const fault = takeFault();
    const faultHeaders: Record<string, string> = fault?.retryAfterSeconds ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
    if (fault && !fault.afterAccepting) {
      const { error, message } = FAULT_ERRORS[fault.status!]!;
      return notifyError(res, fault.status!, error, message, faultHeaders);
    }
    const email: ReceivedEmail = {
      id: randomUUID(),
      emailAddress,
      templateId: template.id,
      personalisation,
      reference,
      createdAt: new Date(now()).toISOString(),
      subject: render(template.subject, personalisation),
      body: render(template.body, personalisation),
    };
    emails.push(email);
    appendFileSync(journal, `${JSON.stringify(email)}\n`);
    // No address in the log: output is kept like any other log (docs/observability.md); GET /admin/notifications shows it.
    options.log?.(`[notify] email ${email.id} (${template.name})${reference ? `, reference ${reference}` : ''}`);
    if (fault) {
      const { error, message } = FAULT_ERRORS[fault.status!]!;
      return notifyError(res, fault.status!, error, message, faultHeaders);
    }
    sendJson(res, 201, {
      id: email.id,
      reference: email.reference,
      content: { subject: email.subject, body: email.body, from_email: 'caseload@notifications.service.gov.uk' },
      uri: `${LOCAL_NOTIFY_PATH}/v2/notifications/${email.id}`,
      template: { id: template.id, version: 1, uri: `${LOCAL_NOTIFY_PATH}/v2/template/${template.id}` },
    });
  };

  const listNotifications = (url: URL, res: ServerResponse) => {
    const reference = url.searchParams.get('reference');
    const type = url.searchParams.get('template_type');
    const status = url.searchParams.get('status');
    const matching = emails
      .filter((email) => reference === null || email.reference === reference)
      .filter(() => type === null || type === 'email')
      .filter(() => status === null || status === 'delivered')
      .reverse();
    sendJson(res, 200, {
      notifications: matching.map((email) => ({
        id: email.id,
        reference: email.reference,
        email_address: email.emailAddress,
        type: 'email',
        status: 'delivered',
        template: { id: email.templateId, version: 1, uri: `${LOCAL_NOTIFY_PATH}/v2/template/${email.templateId}` },
        body: email.body,
        subject: email.subject,
        created_at: email.createdAt,
        sent_at: email.createdAt,
        completed_at: email.createdAt,
        is_cost_data_ready: true,
        cost_in_pounds: 0,
      })),
      links: { current: `${LOCAL_NOTIFY_PATH}/v2/notifications${url.search}` },
    });
  };

  const admin = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname.slice(ADMIN_PREFIX.length).replace(/\/+$/, '');
    if (path === '' && req.method === 'GET') {
      const filters = ['reference', 'emailAddress', 'templateId'] as const;
      const matching = emails.filter((email) => filters.every((name) => !url.searchParams.has(name) || email[name] === url.searchParams.get(name)));
      return sendJson(res, 200, { notifications: matching });
    }
    if (path === '/faults' && req.method === 'GET') return sendJson(res, 200, faults);
    if (path === '/faults' && req.method === 'PUT') {
      faults = parseFaults(await readJson(req));
      return sendJson(res, 200, faults);
    }
    if (path === '/api-key/rotate' && req.method === 'POST') {
      secret = randomUUID();
      options.log?.('[notify] API key rotated: the previous key is refused from now on');
      return sendJson(res, 200, { rotated: true });
    }
    throw new HttpError(404, `No local Notify admin resource ${req.method} ${url.pathname}.`);
  };

  return {
    serviceId,
    apiKey: () => `caseload_local-${serviceId}-${secret}`,
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const isApi = url.pathname.startsWith(API_PREFIX);
      const isAdmin = url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`);
      if (!isApi && !isAdmin) return false;
      try {
        if (isAdmin) {
          await admin(req, res, url);
          return true;
        }
        const refused = await authenticate(req);
        if (refused) {
          notifyError(res, refused.startsWith('Unauthorized') ? 401 : 403, 'AuthError', refused);
          return true;
        }
        const route = `${req.method} ${url.pathname.slice(API_PREFIX.length - 1)}`;
        if (route === 'POST /notifications/email') await sendEmail(req, res);
        else if (route === 'GET /notifications') listNotifications(url, res);
        else notifyError(res, 404, 'NotFoundError', `The local Notify does not serve ${route}`);
      } catch (error) {
        if (error instanceof HttpError) {
          if (isAdmin) sendProblem(res, error.status, error.message);
          else notifyError(res, error.status, 'BadRequestError', error.message);
        } else {
          notifyError(res, 500, 'Exception', (error as Error).message);
        }
      }
      return true;
    },
  };
}

function parseFaults(value: unknown): NotifyFaults {
  const input = (value ?? {}) as Record<string, unknown>;
  const status = input['status'] ?? null;
  if (status !== null && ![400, 403, 429, 500].includes(status as number)) throw new HttpError(400, 'status must be 400, 403, 429, 500 or null.');
  const count = input['count'] ?? null;
  if (count !== null && (!Number.isInteger(count) || (count as number) < 1)) throw new HttpError(400, 'count must be a positive integer or null.');
  const retryAfterSeconds = input['retryAfterSeconds'] ?? null;
  if (retryAfterSeconds !== null && (!Number.isInteger(retryAfterSeconds) || (retryAfterSeconds as number) < 1)) {
    throw new HttpError(400, 'retryAfterSeconds must be a positive integer or null.');
  }
  return { status: status as NotifyFaults['status'], count: count as number | null, afterAccepting: input['afterAccepting'] === true, retryAfterSeconds: retryAfterSeconds as number | null };
}

/** Fills ((placeholders)); a list becomes bullet lines, as Notify formats it. */
function render(text: string, personalisation: Record<string, unknown>): string {
  return text.replace(/\(\(([^()?]+)(\?\?[^()]*)?\)\)/g, (_, name: string) => {
    const value = personalisation[name.trim()];
    return Array.isArray(value) ? value.map((item) => `* ${String(item)}`).join('\n') : String(value ?? '');
  });
}
