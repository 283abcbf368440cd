import type { RpcLogLevel } from './core-types.js';

/**
 * One place every line goes through: the library's system logs, `context.log` from functions and
 * the host's own messages. Process-wide because the core module's `log` (called by the library
 * while modules load, before a host exists) has no other way to find the sink.
 */

export interface LogScope {
  functionName?: string;
  invocationId?: string;
}

const LEVEL_RANK: Record<RpcLogLevel, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
  none: 6,
};

const LEVEL_LABEL: Record<RpcLogLevel, string> = {
  trace: 'trace',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'crit',
  none: 'none',
};

let sink: (line: string) => void = (line) => console.log(line);
let minimumRank = LEVEL_RANK.information;
let oneLine = false;

export function configureLogging(write: (line: string) => void, minimumLevel: RpcLogLevel, options: { oneLinePerInvocation?: boolean } = {}): void {
  sink = write;
  minimumRank = LEVEL_RANK[minimumLevel];
  oneLine = options.oneLinePerInvocation ?? false;
}

/** One line per invocation (FunctionsHostOptions.oneLinePerInvocation) instead of Core Tools' Executing/Executed pair. */
export const oneLinePerInvocation = (): boolean => oneLine;

export function isLevelEnabled(level: RpcLogLevel): boolean {
  return (LEVEL_RANK[level] ?? LEVEL_RANK.information) >= minimumRank && level !== 'none';
}

/** `2026-01-01T00:00:00.000Z info  [tasks-get] (invocation-id) message` */
export function writeLog(level: RpcLogLevel, message: string, scope: LogScope = {}): void {
  if (!isLevelEnabled(level)) return;
  const where = scope.functionName ? ` [${scope.functionName}]` : ' [host]';
  const id = scope.invocationId ? ` (${scope.invocationId})` : '';
  try {
    sink(`${new Date().toISOString()} ${LEVEL_LABEL[level].padEnd(5)}${where}${id} ${message}`);
  } catch {
    // A broken sink must never fail an invocation.
  }
}

export function errorDetail(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/** Maps host.json `logging.logLevel.default` (ASP.NET names) to the worker's level names. */
export function levelFromHostJson(value: unknown): RpcLogLevel {
  switch (typeof value === 'string' ? value.toLowerCase() : '') {
    case 'trace':
      return 'trace';
    case 'debug':
      return 'debug';
    case 'warning':
      return 'warning';
    case 'error':
      return 'error';
    case 'critical':
      return 'critical';
    case 'none':
      return 'none';
    default:
      return 'information';
  }
}
