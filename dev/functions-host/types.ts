import type { IncomingMessage, ServerResponse } from 'node:http';

/** One function as the app registered it through `app.http(...)`, `app.timer(...)`, etc. */
export interface CapturedFunction {
  name: string;
  /** The trigger binding's type, e.g. 'httpTrigger', 'timerTrigger', 'serviceBusTrigger'. */
  trigger: string;
  /** Raw metadata exactly as the library passed it to `registerFunction` ({ name, bindings, retryOptions }). */
  metadata: unknown;
  /** HTTP only: the route template as registered (undefined means "the function name"). */
  route?: string;
  /** HTTP only: the allowed methods as registered. */
  methods?: string[];
  /** Timer only: the schedule as registered, possibly an app-setting reference like `%NAME%`. */
  schedule?: string;
  /** Timer only. */
  runOnStartup?: boolean;
}

export interface FunctionsHostOptions {
  /** 0 = ephemeral. */
  port: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Where package.json and host.json live. */
  projectDir: string;
  /** Absolute paths. Default: expand package.json "main" (e.g. "dist/functions/*.js") relative to projectDir. */
  functionModules?: string[];
  /** Default true. */
  enableTimers?: boolean;
  /** Tried before anything else; return true if the request was handled (e.g. the dev token issuer's endpoints). */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /** Receives every host and function log line. Default: console.log. */
  log?: (line: string) => void;
  /**
   * Write one line per invocation: what ran (HTTP method, path and status; the message; the
   * timer), how long it took, the correlation id, and the invocation's information-level log lines
   * folded in; warnings and errors still get lines of their own. Default false: Core Tools' form,
   * an "Executing" and an "Executed" line around each invocation's own lines.
   */
  oneLinePerInvocation?: boolean;
}

export interface FunctionsHost {
  /** e.g. http://127.0.0.1:7071 */
  url: string;
  /** url + '/' + routePrefix (just url when the prefix is empty). */
  apiBaseUrl: string;
  functions: CapturedFunction[];
  /**
   * Runs a non-HTTP function once, like `POST /admin/functions/<name>`, and resolves when it has
   * finished (rejects if it threw). Resolves to an {@link InvocationResult} (see invoke.ts).
   */
  runFunction(name: string, input?: unknown): Promise<unknown>;
  /** Stops timers and the server, waits for running invocations, then runs appTerminate hooks. */
  close(): Promise<void>;
}
