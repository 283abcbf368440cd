import { randomBytes, randomUUID } from 'node:crypto';
import type {
  CoreInvocationContext,
  HookData,
  RpcBindingInfo,
  RpcInvocationRequest,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
  RpcParameterBinding,
  RpcRetryContext,
  RpcTraceContext,
  RpcTypedData,
} from './core-types.js';
import { applyLogHooks, executeHooks, postInvocationContext, preInvocationContext } from './hooks.js';
import { invocationLine } from './invocation-line.js';
import { errorDetail, isLevelEnabled, oneLinePerInvocation, writeLog } from './logging.js';
import { getFunction, type RegisteredFunction, registry } from './registry.js';
import { fromTypedData } from './typed-data.js';
import type { CapturedFunction } from './types.js';

/**
 * Invokes one captured function exactly as the Azure Node.js worker does
 * (src/eventHandlers/InvocationHandler.ts):
 *
 *   programmingModel.getInvocationModel(coreCtx) → getArguments() → preInvocation hooks →
 *   invokeFunction(context, inputs, callback) → postInvocation hooks → getResponse(context, result)
 *
 * so `@azure/functions` itself turns RPC data into HttpRequest/Timer/message inputs and the
 * handler's results into RPC outputs. Trigger-agnostic: callers (HTTP server, timers, admin API,
 * a message broker) only build the RPC trigger data and metadata, and read the outputs.
 */

export interface InvocationRequest {
  /**
   * The trigger's data (an HTTP request, a timer's info, a message body). Sent under the trigger
   * binding's name, which the library generates with a hash suffix (e.g. 'serviceBusTrigger1a2b3c'),
   * so callers need not know it.
   */
  triggerData?: RpcTypedData;
  /** Further RPC input bindings, by binding name (rarely needed: input bindings are not emulated). */
  inputData?: RpcParameterBinding[];
  /** RPC trigger metadata, e.g. Service Bus MessageId/DeliveryCount; the library camel-cases the keys. */
  triggerMetadata?: Record<string, RpcTypedData>;
  invocationId?: string;
  traceContext?: RpcTraceContext;
  retryContext?: RpcRetryContext;
  /** Why the function runs, for the "Executing" log line (like the host's Reason='...'). */
  reason?: string;
  /** What ran, for the one line per invocation (e.g. `GET /api/v1/tasks`); `reason` when absent. */
  summary?: string;
  /** The correlation id the trigger carries (a message's), for the one line per invocation. */
  correlationId?: string;
}

export interface InvocationOutput {
  /** Binding name; '$return' when the function's return value is bound to an output binding. */
  name: string;
  /** The output binding's metadata as registered (type, queueName, topicName, connection...). */
  binding: RpcBindingInfo;
  /** RPC-shaped, as the library produced it. */
  data: RpcTypedData | null | undefined;
  /** `data` decoded: JSON parsed, bytes as Buffer, http left RPC-shaped. */
  value: unknown;
}

export interface InvocationResult {
  invocationId: string;
  functionName: string;
  response: RpcInvocationResponse;
  /** Every output binding that received a value, including '$return' when it is bound. */
  outputs: InvocationOutput[];
  /** The decoded `response.returnValue`, also for functions whose return value is not bound. */
  returnValue: unknown;
  durationMs: number;
}

/** Thrown when the function (or a hook, or a conversion) failed; `cause` is the original error. */
export class FunctionInvocationError extends Error {
  readonly functionName: string;
  readonly invocationId: string;

  constructor(functionName: string, invocationId: string, cause: unknown) {
    super(`Function '${functionName}' failed (invocation ${invocationId}): ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'FunctionInvocationError';
    this.functionName = functionName;
    this.invocationId = invocationId;
  }
}

const running = new Set<Promise<unknown>>();

export function resolveFunction(fn: RegisteredFunction | CapturedFunction | string): RegisteredFunction {
  if (typeof fn === 'object' && 'callback' in fn) return fn;
  const name = typeof fn === 'string' ? fn : fn.name;
  const registered = getFunction(name);
  if (!registered) throw new Error(`No function named '${name}' was captured.`);
  return registered;
}

export function invokeFunction(fn: RegisteredFunction | CapturedFunction | string, request: InvocationRequest = {}): Promise<InvocationResult> {
  const registered = resolveFunction(fn);
  const invocation = runInvocation(registered, request);
  running.add(invocation);
  const forget = (): void => {
    running.delete(invocation);
  };
  invocation.then(forget, forget);
  return invocation;
}

/** Resolves once every invocation started so far has settled (used by close()). */
export async function waitForRunningInvocations(): Promise<void> {
  while (running.size > 0) {
    await Promise.allSettled([...running]);
  }
}

async function runInvocation(fn: RegisteredFunction, request: InvocationRequest): Promise<InvocationResult> {
  const functionName = fn.captured.name;
  const invocationId = request.invocationId ?? randomUUID();
  const scope = { functionName, invocationId };
  const started = performance.now();
  const oneLine = oneLinePerInvocation();
  /** One-line mode: the invocation's information lines, folded into its line. */
  const folded: string[] = [];
  const hookData: HookData = {};
  let invocationContext: unknown;

  const rpcRequest: RpcInvocationRequest = {
    invocationId,
    functionId: functionName,
    inputData: [...(request.triggerData ? [{ name: fn.triggerBindingName, data: request.triggerData }] : []), ...(request.inputData ?? [])],
    triggerMetadata: request.triggerMetadata ?? {},
    traceContext: request.traceContext ?? newTraceContext(),
    retryContext: request.retryContext ?? null,
  };
  const coreCtx: CoreInvocationContext = {
    invocationId,
    request: rpcRequest,
    metadata: fn.metadata,
    log(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
      const rewritten = applyLogHooks(level, category, message, hookData, invocationContext);
      if (oneLine && rewritten.level === 'information' && isLevelEnabled('information')) folded.push(rewritten.message);
      else writeLog(rewritten.level, rewritten.message, scope);
    },
  };

  // The one line carries what the request or message said (a correlation id, an error message), so
  // it goes through the app's log hooks like the app's own lines (e.g. its redaction).
  const writeSummary = (level: RpcLogLevel, line: string): void => {
    const rewritten = applyLogHooks(level, 'system', line, hookData, invocationContext);
    writeLog(rewritten.level, rewritten.message, scope);
  };
  writeLog(oneLine ? 'debug' : 'information', `Executing 'Functions.${functionName}' (Reason='${request.reason ?? 'Invoked by the local host'}', Id=${invocationId})`, scope);
  try {
    const model = registry.programmingModel;
    if (!model) throw new Error('@azure/functions never set its programming model; was the library loaded before installCapture()?');
    const invocationModel = await model.getInvocationModel(coreCtx);

    let { context, inputs } = await invocationModel.getArguments();
    invocationContext = context;

    const pre = preInvocationContext(hookData, context, inputs, fn.callback);
    await inState(coreCtx, 'preInvocationHooks', () => executeHooks('preInvocation', pre));
    inputs = pre.inputs;

    const post = postInvocationContext(hookData, context, inputs);
    await inState(coreCtx, 'invocation', async () => {
      try {
        post.result = await invocationModel.invokeFunction(context, inputs, pre.functionCallback);
      } catch (error) {
        post.error = error;
      }
    });
    await inState(coreCtx, 'postInvocationHooks', () => executeHooks('postInvocation', post));
    // A postInvocation hook may clear or replace the error, as in Azure.
    if (post.error !== null && post.error !== undefined) throw post.error;

    const response = await invocationModel.getResponse(context, post.result);
    const durationMs = Math.round(performance.now() - started);
    const outputs = collectOutputs(fn, response);
    if (oneLine) writeSummary('information', invocationLine({ request, outputs, durationMs, folded }));
    else writeLog('information', `Executed 'Functions.${functionName}' (Succeeded, Id=${invocationId}, Duration=${durationMs}ms)`, scope);
    return {
      invocationId,
      functionName,
      response,
      outputs,
      returnValue: fromTypedData(response.returnValue),
      durationMs,
    };
  } catch (error) {
    const durationMs = Math.round(performance.now() - started);
    if (oneLine) {
      writeSummary('error', invocationLine({ request, outputs: [], durationMs, folded, error }));
      writeLog('debug', errorDetail(error), scope);
    } else writeLog('error', `Executed 'Functions.${functionName}' (Failed, Id=${invocationId}, Duration=${durationMs}ms) ${errorDetail(error)}`, scope);
    throw new FunctionInvocationError(functionName, invocationId, error);
  }
}

async function inState(coreCtx: CoreInvocationContext, state: CoreInvocationContext['state'], step: () => Promise<void>): Promise<void> {
  coreCtx.state = state;
  try {
    await step();
  } finally {
    coreCtx.state = undefined;
  }
}

function collectOutputs(fn: RegisteredFunction, response: RpcInvocationResponse): InvocationOutput[] {
  const outputs: InvocationOutput[] = [];
  const bindings = fn.metadata.bindings;
  const returnBinding = bindings['$return'];
  if (returnBinding && returnBinding.direction === 'out' && response.returnValue !== undefined && response.returnValue !== null) {
    outputs.push(output('$return', returnBinding, response.returnValue));
  }
  for (const entry of response.outputData ?? []) {
    const name = entry.name ?? '';
    const binding = bindings[name];
    if (binding) outputs.push(output(name, binding, entry.data));
  }
  return outputs;
}

function output(name: string, binding: RpcBindingInfo, data: RpcTypedData | null | undefined): InvocationOutput {
  return { name, binding, data, value: fromTypedData(data) };
}

/** W3C traceparent, as the host sends one with every invocation. */
function newTraceContext(): RpcTraceContext {
  return { traceParent: `00-${randomHex(16)}-${randomHex(8)}-01`, traceState: '', attributes: {} };
}

/**
 * Random bytes as hex, taken from a pool refilled 4 KiB at a time: one `randomBytes` call per
 * invocation cost about 2% of the host's CPU per request (a synchronous call into the CSPRNG each
 * time), where Node's own randomUUID() batches its entropy the same way.
 */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  const hex = randomPool.toString('hex', randomOffset, randomOffset + bytes);
  randomOffset += bytes;
  return hex;
}
