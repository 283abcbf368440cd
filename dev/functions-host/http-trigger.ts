import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RpcHttpData } from './core-types.js';
import { randomBytes } from 'node:crypto';
import { BodyTooLargeError, readBody, toRpcHttp } from './http-request.js';
import { writeHttpResponse } from './http-response.js';
import { FunctionInvocationError, type InvocationResult, invokeFunction } from './invoke.js';
import { errorDetail, writeLog } from './logging.js';
import { sendProblem } from './problem.js';
import type { RegisteredFunction } from './registry.js';

/** Runs one HTTP-triggered function for one request: body → RPC request → invocation → response. */
export async function handleHttpTrigger(
  fn: RegisteredFunction,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  params: Record<string, string>,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendProblem(res, 413, `The request body is larger than ${error.limit} bytes.`, { connection: 'close' });
      return;
    }
    throw error;
  }

  const { http, triggerMetadata } = toRpcHttp(req, body, url, params);
  const traceParent = childSpan(req.headers['traceparent']);
  let result: InvocationResult;
  try {
    result = await invokeFunction(fn, {
      triggerData: { http },
      triggerMetadata,
      reason: `HTTP ${req.method} ${url.pathname}`,
      summary: `${req.method} ${url.pathname}`,
      ...(traceParent ? { traceContext: { traceParent, traceState: String(req.headers['tracestate'] ?? ''), attributes: {} } } : {}),
    });
  } catch (error) {
    // The invocation already logged the failure with its stack; the client learns only the id.
    const invocationId = error instanceof FunctionInvocationError ? error.invocationId : undefined;
    if (!(error instanceof FunctionInvocationError)) writeLog('error', `HTTP invocation failed: ${errorDetail(error)}`, { functionName: fn.captured.name });
    sendProblem(res, 500, `The function failed.${invocationId ? ` Invocation id: ${invocationId}.` : ''}`);
    return;
  }
  writeHttpResponse(res, httpOutput(result), req.method ?? 'GET');
}

/**
 * The span the host records a request as: a child of the caller's W3C traceparent (same trace id,
 * a new span id), which the invocation gets as its trace context. None for an absent or invalid one.
 */
function childSpan(traceparent: string | string[] | undefined): string | undefined {
  const match = typeof traceparent === 'string' ? /^00-([\da-f]{32})-[\da-f]{16}-([\da-f]{2})$/.exec(traceparent.trim().toLowerCase()) : null;
  if (!match || /^0+$/.test(match[1]!)) return undefined;
  return `00-${match[1]}-${randomBytes(8).toString('hex')}-${match[2]}`;
}

/** The value bound to the function's HTTP output (normally '$return', possibly a named output). */
function httpOutput(result: InvocationResult): RpcHttpData | undefined {
  const output = result.outputs.find((candidate) => String(candidate.binding.type).toLowerCase() === 'http');
  return output?.data?.http ?? undefined;
}
