import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody } from './http-request.js';
import { FunctionInvocationError } from './invoke.js';
import { errorDetail, writeLog } from './logging.js';
import { sendProblem } from './problem.js';
import { listFunctions } from './registry.js';
import { NotInvocableError, UnknownFunctionError } from './run-function.js';

/**
 * The host's admin endpoints, outside the route prefix as in Core Tools:
 *   POST /admin/functions/<name>  body optional {"input": ...}: run a non-HTTP function by hand.
 *                                 202 once it finished, 500 if it threw, 404 if unknown.
 *                                 (Core Tools answers 202 before the run ends; answering after
 *                                 makes scripts and tests deterministic.)
 *   GET  /admin/functions         the captured functions.
 *   GET  /admin/host/status       {"state":"Running"}: a readiness probe for scripts.
 * No key is required, as under Core Tools.
 */

export type RunFunction = (name: string, input: unknown) => Promise<unknown>;

/** Admin requests are small JSON documents; a big body is a mistake. */
const ADMIN_BODY_LIMIT = 1024 * 1024;

export function isAdminPath(pathname: string): boolean {
  return /^\/admin(\/|$)/i.test(pathname);
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, run: RunFunction): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const invoke = /^\/admin\/functions\/([^/]+)\/?$/i.exec(url.pathname);
  if (invoke?.[1]) {
    if (method !== 'POST') return sendProblem(res, 405, 'Use POST to run a function.', { allow: 'POST' });
    return runByHand(req, res, decodeURIComponent(invoke[1]), run);
  }
  if (/^\/admin\/functions\/?$/i.test(url.pathname)) {
    if (method !== 'GET') return sendProblem(res, 405, 'Use GET to list functions.', { allow: 'GET' });
    return sendJson(res, 200, listFunctions().map(({ captured }) => ({ ...captured, metadata: undefined })));
  }
  if (/^\/admin\/host\/status\/?$/i.test(url.pathname)) {
    return sendJson(res, 200, { state: 'Running' });
  }
  return sendProblem(res, 404, `No admin endpoint at ${url.pathname}.`);
}

async function runByHand(req: IncomingMessage, res: ServerResponse, name: string, run: RunFunction): Promise<void> {
  let input: unknown;
  try {
    const body = await readBody(req, ADMIN_BODY_LIMIT);
    if (body.length > 0) {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      input = typeof parsed === 'object' && parsed !== null ? (parsed as { input?: unknown }).input : undefined;
    }
  } catch (error) {
    if (error instanceof BodyTooLargeError) return sendProblem(res, 413, `Admin request bodies are limited to ${error.limit} bytes.`, { connection: 'close' });
    return sendProblem(res, 400, 'The body must be JSON like {"input": ...}.');
  }

  try {
    await run(name, input);
  } catch (error) {
    if (error instanceof UnknownFunctionError) return sendProblem(res, 404, error.message);
    if (error instanceof NotInvocableError) return sendProblem(res, 400, error.message);
    if (!(error instanceof FunctionInvocationError)) writeLog('error', `Admin run of '${name}' failed: ${errorDetail(error)}`);
    const id = error instanceof FunctionInvocationError ? ` Invocation id: ${error.invocationId}.` : '';
    return sendProblem(res, 500, `The function failed.${id}`);
  }
  res.writeHead(202, { 'content-length': 0 });
  res.end();
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
