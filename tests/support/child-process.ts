import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { waitUntil } from './wait.js';

export interface SpawnNodeOptions {
  script: string;
  args?: string[];
  /** Node's own flags, placed before the script. */
  nodeArgs?: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Another Node binary than this process's own. */
  execPath?: string;
  /** Names the child in error messages. */
  name?: string;
  /** Opens an IPC channel (structured-clone serialization) for child.send() and 'message' events. */
  ipc?: boolean;
  /** stdout and stderr go to this file instead of pipes, and output() reads it back. */
  logFile?: string;
  /** Called for each stdout line as it arrives, and for an unterminated last one when stdout ends. */
  onLine?: (line: string) => void;
}

export type NodeChild = ReturnType<typeof spawnNode>;

/** Starts `node <nodeArgs> <script> <args>` as a child process and captures what it prints. */
export function spawnNode(options: SpawnNodeOptions) {
  const name = options.name ?? 'child process';
  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  const out = logFd ?? 'pipe';
  const child = spawn(options.execPath ?? process.execPath, [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', out, out, ...(options.ipc ? (['ipc'] as const) : [])],
    ...(options.ipc ? { serialization: 'advanced' as const } : {}),
  });
  if (logFd !== undefined) closeSync(logFd);

  let log = '';
  let stderr = '';
  let partial = '';
  const lines: string[] = [];
  const addLine = (line: string) => {
    lines.push(line);
    options.onLine?.(line);
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk;
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    parts.forEach(addLine);
  });
  child.stdout?.on('end', () => partial && addLine(partial));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk;
    stderr += chunk;
  });
  const output = (): string => {
    if (options.logFile === undefined) return log;
    try {
      return readFileSync(options.logFile, 'utf8');
    } catch {
      return '';
    }
  };

  type Ended = { code: number | null; signal: NodeJS.Signals | null };
  const ended = (event: 'exit' | 'close') => {
    const promise = new Promise<Ended>((resolve, reject) => {
      child.once(event, (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
      child.once('error', reject);
    });
    // A spawn error reaches whoever awaits this; nobody awaiting it must not make it unhandled.
    promise.catch(() => {});
    return promise;
  };
  /** The process has ended; its pipes may still hold output. */
  const exited = ended('exit');
  const running = () => child.exitCode === null && child.signalCode === null;
  const endedHow = () => child.exitCode ?? child.signalCode;

  return {
    child,
    /** stdout and stderr so far, in the order they arrived. */
    output,
    stderr: () => stderr,
    /** stdout split into lines so far; the same array keeps growing. */
    lines,
    running,
    exited,
    /** The process has ended and all its output has been read. */
    closed: ended('close'),
    /** Waits until output() contains `text`; fails at once if the child ends first. */
    async waitForOutput(text: string, timeoutMs: number): Promise<void> {
      await waitUntil(
        () => {
          if (!running()) throw new Error(`${name} exited with ${endedHow()}:\n${output()}`);
          return output().includes(text);
        },
        { timeoutMs, intervalMs: 100, describe: () => `${name} to print "${text}":\n${output()}` },
      );
    },
    /** Resolves with the first IPC message `accept` takes; fails if the child ends first or after timeoutMs. */
    waitForMessage<T>(accept: (message: T) => boolean, timeoutMs: number): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const finish = (error: Error | undefined, message?: T) => {
          clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
          if (error) reject(error);
          else resolve(message as T);
        };
        const onMessage = (message: T) => accept(message) && finish(undefined, message);
        const onExit = () => finish(new Error(`${name} exited with ${endedHow()} before sending the awaited message; stderr: ${stderr}`));
        const timer = setTimeout(() => finish(new Error(`${name} sent no awaited message within ${timeoutMs / 1000} s; stderr: ${stderr}`)), timeoutMs);
        child.on('message', onMessage);
        child.once('exit', onExit);
        if (!running()) onExit();
      });
    },
    /** Sends `signal` to a running child and waits until it has ended; with `forceAfterMs`, SIGKILL if it has not by then. */
    async stop(signal: NodeJS.Signals = 'SIGTERM', forceAfterMs?: number): Promise<void> {
      if (!running()) return;
      const force = forceAfterMs === undefined || signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), forceAfterMs);
      child.kill(signal);
      await exited.finally(() => clearTimeout(force));
    },
  };
}

/**
 * Request and reply over the child's IPC channel: sends `{ id, op, ...args }` and resolves with
 * the message that carries the same id (the protocol of the runners in tests/fixtures).
 */
export function ipcRequests<Reply>(child: ChildProcess): (op: string, args?: Record<string, unknown>) => Promise<Reply> {
  let nextId = 0;
  const pending = new Map<number, (reply: Reply) => void>();
  child.on('message', (message: { id?: unknown }) => {
    if (typeof message.id !== 'number') return;
    pending.get(message.id)?.(message as Reply);
    pending.delete(message.id);
  });
  return (op, args = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ id, op, ...args });
    });
}
