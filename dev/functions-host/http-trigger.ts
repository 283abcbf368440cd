import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RpcHttpData } from './core-types.js';
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
  const traceParent = req.headers['traceparent'];
  let result: InvocationResult;
  try {
    result = await invokeFunction(fn, {
      triggerData: { http },
      triggerMetadata,
      reason: `HTTP ${req.method} ${url.pathname}`,
      ...(typeof traceParent === 'string' ? { traceContext: { traceParent, traceState: String(req.headers['tracestate'] ?? ''), attributes: {} } } : {}),
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

/** The value bound to the function's HTTP output (normally '$return', possibly a named output). */
function httpOutput(result: InvocationResult): RpcHttpData | undefined {
  const output = result.outputs.find((candidate) => String(candidate.binding.type).toLowerCase() === 'http');
  return output?.data?.http ?? undefined;
}
