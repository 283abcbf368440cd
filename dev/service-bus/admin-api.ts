import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Broker, SendRefusedError } from './broker.js';
import type { Namespace, ReceivingEntity } from './entities.js';
import { HttpError, readJson, sendJson, sendNoContent, sendProblem } from './http.js';
import { bodyValue, type StoredMessage } from './message.js';
import { parseSendRequest, ValidationError } from './validate.js';

/**
 * The broker's HTTP admin API, which the app's Service Bus adapter calls locally (and tests use):
 *
 *   POST   /admin/service-bus/{queueOrTopic}/messages                 → 202 { accepted, duplicates }
 *   GET    /admin/service-bus/{entityPath}/dead-letters?max&fromSequenceNumber → 200 { messages }
 *   DELETE /admin/service-bus/{entityPath}/dead-letters/{sequenceNumber}     → 204 | 404
 *   GET    /admin/service-bus/{entityPath}/stats                      → 200 { active, scheduled, locked, deadLettered }
 *   GET    /admin/service-bus                                         → 200 { entities: { path: stats } }
 *   GET|PUT /admin/service-bus/faults                                 → 200 { failSends, hang }
 *
 * {entityPath} is a queue name or `topic/subscriptions/name` (slashes literal or %2F).
 * Errors are application/problem+json. Not under the host's route prefix; no auth (local only).
 */

const PREFIX = '/admin/service-bus';
const MAX_PEEK = 1000;

/** Sends held unanswered while the `hang` fault is on; their connections are cut when it goes off. */
type Hung = Set<ServerResponse>;

export function createAdminApi(broker: Broker, namespace: Namespace): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const hung: Hung = new Set();
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) return false;
    try {
      await route(broker, namespace, req, res, url, hung);
    } catch (error) {
      if (error instanceof HttpError) sendProblem(res, error.status, error.message, error.headers);
      else if (error instanceof ValidationError) sendProblem(res, 400, error.message);
      else if (error instanceof SendRefusedError) sendProblem(res, error.status, error.message, { 'retry-after': '1' });
      else sendProblem(res, 500, `The local Service Bus failed: ${(error as Error).message}`);
    }
    return true;
  };
}

async function route(broker: Broker, namespace: Namespace, req: IncomingMessage, res: ServerResponse, url: URL, hung: Hung): Promise<void> {
  const method = req.method ?? 'GET';
  const path = decodePath(url.pathname.slice(PREFIX.length)).replace(/^\/+|\/+$/g, '');

  if (path === '') {
    allow(method, ['GET']);
    const entities = Object.fromEntries(namespace.receiving.map((entity) => [entity.path, broker.stats(entity.path)]));
    return sendJson(res, 200, { entities });
  }

  if (path === 'faults') {
    allow(method, ['GET', 'PUT']);
    if (method === 'PUT') {
      const body = await readJson(req);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('(root)', 'must be an object');
      const fields = body as Record<string, unknown>;
      const known = Object.keys(broker.faults);
      const unknown = Object.keys(fields).find((key) => !known.includes(key));
      if (unknown !== undefined) throw new ValidationError(unknown, `is not a fault; the faults are ${known.join(', ')}`);
      if (Object.keys(fields).length === 0) throw new ValidationError('failSends', 'or hang is required');
      for (const [name, value] of Object.entries(fields)) {
        if (typeof value !== 'boolean') throw new ValidationError(name, 'must be true or false');
      }
      Object.assign(broker.faults, fields);
      if (!broker.faults.hang) {
        // The namespace "recovers": connections it held are cut (the sender sees a reset, not an answer).
        for (const res of hung) res.destroy();
        hung.clear();
      }
    }
    return sendJson(res, 200, { ...broker.faults });
  }

  const match = /^(.+?)\/(messages|stats|dead-letters)(?:\/([^/]+))?$/.exec(path);
  if (!match) throw new HttpError(404, `No Service Bus admin operation at ${url.pathname}.`);
  const [, entityName = '', operation, item] = match;

  if (operation === 'messages' && item === undefined) {
    const entity = namespace.findSending(entityName);
    if (!entity) throw new HttpError(404, `'${entityName}' is not a queue or topic of this namespace (send to a topic, not to a subscription).`);
    allow(method, ['POST']);
    if (broker.faults.hang) {
      // A namespace that accepts the connection and never answers: nothing is read or stored.
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    const messages = parseSendRequest(await readJson(req));
    return sendJson(res, 202, await broker.send(entity, messages));
  }

  const entity = receiving(namespace, entityName);
  if (operation === 'stats' && item === undefined) {
    allow(method, ['GET']);
    return sendJson(res, 200, broker.stats(entity.path));
  }
  if (operation === 'dead-letters' && item === undefined) {
    allow(method, ['GET']);
    const max = integerParam(url, 'max', 100, 1, MAX_PEEK);
    const from = integerParam(url, 'fromSequenceNumber', 0, 0, Number.MAX_SAFE_INTEGER);
    return sendJson(res, 200, { messages: broker.deadLetters(entity.path, from, max).map(deadLetterView) });
  }
  if (operation === 'dead-letters' && item !== undefined) {
    allow(method, ['DELETE']);
    if (!/^\d+$/.test(item)) throw new ValidationError('sequenceNumber', 'must be a non-negative integer');
    const deleted = await broker.deleteDeadLetter(entity.path, Number(item));
    if (!deleted) throw new HttpError(404, `No dead-lettered message with sequence number ${item} in '${entity.path}'.`);
    return sendNoContent(res);
  }
  throw new HttpError(404, `No Service Bus admin operation at ${url.pathname}.`);
}

function receiving(namespace: Namespace, path: string): ReceivingEntity {
  const entity = namespace.findReceiving(path);
  if (entity) return entity;
  const topic = namespace.findSending(path);
  if (topic?.kind === 'topic') {
    throw new HttpError(404, `'${path}' is a topic: its messages live in its subscriptions (${topic.targets.map((target) => target.path).join(', ')}).`);
  }
  throw new HttpError(404, `'${path}' is not a queue or subscription of this namespace.`);
}

function deadLetterView(message: StoredMessage): Record<string, unknown> {
  return {
    messageId: message.messageId,
    sequenceNumber: message.sequenceNumber,
    body: bodyValue(message.bodyText),
    contentType: message.contentType ?? null,
    correlationId: message.correlationId ?? null,
    subject: message.subject ?? null,
    applicationProperties: message.applicationProperties,
    deliveryCount: message.deliveryCount,
    enqueuedTimeUtc: message.enqueuedTimeUtc,
    deadLetterReason: message.deadLetterReason ?? null,
    deadLetterErrorDescription: message.deadLetterErrorDescription ?? null,
    deadLetteredAtUtc: message.deadLetteredAtUtc ?? null,
  };
}

function allow(method: string, allowed: string[]): void {
  if (!allowed.includes(method)) throw new HttpError(405, `${method} is not allowed here; use ${allowed.join(' or ')}.`, { allow: allowed.join(', ') });
}

function integerParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new ValidationError(name, `must be an integer from ${min} to ${max}`);
  return value;
}

function decodePath(path: string): string {
  try {
    return path
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
  } catch {
    throw new HttpError(400, 'The request path is not validly percent-encoded.');
  }
}
