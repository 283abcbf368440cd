import { Cron } from 'croner';
import type { RpcTypedData } from './core-types.js';
import { resolveAppSettings } from './host-config.js';
import { type InvocationResult, invokeFunction } from './invoke.js';
import { errorDetail, writeLog } from './logging.js';
import type { RegisteredFunction } from './registry.js';
import { SingletonLock } from './singleton.js';

/**
 * Timer triggers: NCrontab schedules (6 fields, seconds first) run with croner, `%SETTING%`
 * schedules resolved from the environment, TimeSpan schedules ('hh:mm:ss'), runOnStartup, and a
 * per-function singleton like Azure's: a tick that arrives while the previous run is still going
 * is skipped; manual runs (admin API, runFunction) wait for it instead.
 *
 * Time zone: WEBSITE_TIME_ZONE when set (as in Azure), else the machine's, as under Core Tools.
 */

/** A resolved schedule that can say when it fires next and when it last should have fired. */
export interface TimerSchedule {
  /** The expression after `%SETTING%` resolution. */
  expression: string;
  next(after: Date): Date | undefined;
  previous(before: Date): Date | undefined;
}

const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/;
/** Anything this late after its planned time counts as past due. */
const PAST_DUE_TOLERANCE_MS = 1000;

export function parseTimerSchedule(raw: string, env: NodeJS.ProcessEnv = process.env): TimerSchedule {
  const expression = resolveAppSettings(raw, env).trim();
  const timespan = TIMESPAN.exec(expression);
  if (timespan) {
    const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = timespan;
    const periodMs = (((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
    if (periodMs <= 0) throw new Error(`Timer schedule '${raw}' is a zero TimeSpan.`);
    return {
      expression,
      next: (after) => new Date(after.getTime() + periodMs),
      previous: (before) => new Date(before.getTime() - periodMs),
    };
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { ...cronOptions(env), paused: true });
  } catch (error) {
    const resolved = expression === raw ? '' : ` (resolved to '${expression}')`;
    throw new Error(`Timer schedule '${raw}'${resolved} is not a valid 6-field NCrontab expression: ${(error as Error).message}`);
  }
  return {
    expression,
    next: (after) => cron.nextRun(after) ?? undefined,
    previous: (before) => cron.previousRuns(1, before)[0],
  };
}

function cronOptions(env: NodeJS.ProcessEnv): { mode: '6-part'; domAndDow: true; timezone?: string } {
  // NCrontab: seconds field first, exactly 6 fields, day-of-month AND day-of-week must both match.
  const timezone = env['WEBSITE_TIME_ZONE']?.trim();
  return timezone ? { mode: '6-part', domAndDow: true, timezone } : { mode: '6-part', domAndDow: true };
}

/**
 * The TimerInfo the host sends (PascalCase JSON); the library camel-cases it into its `Timer`
 * type: { isPastDue, schedule: { adjustForDST }, scheduleStatus: { last, next, lastUpdated } }.
 */
export function timerInfo(schedule: TimerSchedule | undefined, now: Date, isPastDue: boolean, last?: Date): RpcTypedData {
  const next = schedule?.next(now);
  // The occurrence before this one: step back a second so a tick does not report itself as "last".
  const previous = last ?? schedule?.previous(new Date(now.getTime() - 1000));
  const status = schedule
    ? { Last: (previous ?? new Date(0)).toISOString(), Next: (next ?? now).toISOString(), LastUpdated: now.toISOString() }
    : null;
  return { json: JSON.stringify({ Schedule: { AdjustForDST: true }, ScheduleStatus: status, IsPastDue: isPastDue }) };
}

interface ScheduledTimer {
  fn: RegisteredFunction;
  schedule: TimerSchedule;
  stop(): void;
  /** The planned time of the next tick, to tell whether a tick is late (past due). */
  plannedNext: Date | undefined;
  lastTick: Date | undefined;
}

export class TimerScheduler {
  readonly #lock = new SingletonLock();
  readonly #timers = new Map<string, ScheduledTimer>();
  #stopped = false;

  /** Validates every schedule first, so one bad schedule fails start-up before anything runs. */
  start(functions: RegisteredFunction[]): void {
    const timerFunctions = functions.filter((fn) => fn.captured.trigger.toLowerCase() === 'timertrigger');
    const schedules = timerFunctions.map((fn) => {
      try {
        return { fn, schedule: parseTimerSchedule(fn.captured.schedule ?? '') };
      } catch (error) {
        throw new Error(`Timer function '${fn.captured.name}': ${(error as Error).message}`);
      }
    });
    for (const { fn, schedule } of schedules) this.#schedule(fn, schedule);
    for (const { fn } of schedules) {
      if (fn.captured.runOnStartup) {
        writeLog('information', `runOnStartup is set: running now (do not set it in production).`, { functionName: fn.captured.name });
        void this.#runGuarded(fn, 'runOnStartup', false);
      }
    }
  }

  /** A run by hand: waits for a run in progress, never overlaps it. */
  runNow(fn: RegisteredFunction, reason: string): Promise<InvocationResult> {
    return this.#lock.run(fn.captured.name.toLowerCase(), () => this.#invoke(fn, reason, false));
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) timer.stop();
    this.#timers.clear();
  }

  #schedule(fn: RegisteredFunction, schedule: TimerSchedule): void {
    const name = fn.captured.name;
    const timer: ScheduledTimer = { fn, schedule, stop: () => {}, plannedNext: schedule.next(new Date()), lastTick: undefined };
    const onTick = async (): Promise<void> => {
      const now = new Date();
      const isPastDue = timer.plannedNext !== undefined && now.getTime() - timer.plannedNext.getTime() > PAST_DUE_TOLERANCE_MS;
      timer.plannedNext = schedule.next(now);
      if (this.#lock.isBusy(name.toLowerCase())) {
        writeLog('warning', `Skipping the timer tick at ${now.toISOString()}: the previous run is still in progress (singleton).`, { functionName: name });
        return;
      }
      await this.#runGuarded(fn, `Timer fired at ${now.toISOString()}`, isPastDue);
      timer.lastTick = now;
    };

    const timespan = TIMESPAN.test(schedule.expression);
    if (timespan) {
      let handle: NodeJS.Timeout | undefined;
      const arm = (): void => {
        const due = timer.plannedNext ?? schedule.next(new Date());
        handle = setTimeout(() => void onTick().finally(() => this.#stopped || arm()), Math.max(0, (due?.getTime() ?? 0) - Date.now()));
      };
      arm();
      timer.stop = () => clearTimeout(handle);
    } else {
      const job = new Cron(
        schedule.expression,
        { ...cronOptions(process.env), catch: (error: unknown) => writeLog('error', `Timer tick failed: ${errorDetail(error)}`, { functionName: name }) },
        onTick,
      );
      timer.stop = () => job.stop();
    }
    this.#timers.set(name.toLowerCase(), timer);
    writeLog('information', `Timer schedule '${schedule.expression}'; next run at ${timer.plannedNext?.toISOString() ?? 'never'}.`, { functionName: name });
  }

  /** Scheduled and startup runs: failures are logged (the invocation log has the details), never thrown. */
  #runGuarded(fn: RegisteredFunction, reason: string, isPastDue: boolean): Promise<void> {
    return this.#lock.run(fn.captured.name.toLowerCase(), () => this.#invoke(fn, reason, isPastDue)).then(
      () => undefined,
      (error: unknown) => {
        if (!(error instanceof Error && error.name === 'FunctionInvocationError')) {
          writeLog('error', `Timer run failed: ${errorDetail(error)}`, { functionName: fn.captured.name });
        }
      },
    );
  }

  #invoke(fn: RegisteredFunction, reason: string, isPastDue: boolean): Promise<InvocationResult> {
    const timer = this.#timers.get(fn.captured.name.toLowerCase());
    const schedule = timer?.schedule ?? tryParse(fn.captured.schedule);
    return invokeFunction(fn, {
      triggerData: timerInfo(schedule, new Date(), isPastDue, timer?.lastTick),
      reason,
      summary: reason.startsWith('Timer fired') ? 'timer' : reason === 'runOnStartup' ? 'timer (runOnStartup)' : 'timer, run by hand',
    });
  }
}

/** Manual runs work even when timers are disabled or a schedule's setting is missing. */
function tryParse(schedule: string | undefined): TimerSchedule | undefined {
  try {
    return schedule ? parseTimerSchedule(schedule) : undefined;
  } catch {
    return undefined;
  }
}
