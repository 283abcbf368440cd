import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandEntryPointGlob } from '../../../dev/functions-host/entry-points.js';
import { resolveAppSettings } from '../../../dev/functions-host/host-config.js';
import { formatSetCookie } from '../../../dev/functions-host/http-response.js';
import { SingletonLock } from '../../../dev/functions-host/singleton.js';
import { parseTimerSchedule, timerInfo } from '../../../dev/functions-host/timers.js';
import { fromTypedData, toTypedData } from '../../../dev/functions-host/typed-data.js';
import { fixturesDir } from './host-process.js';

describe('entry-point glob', () => {
  it('expands package.json "main" like the worker, sorted', () => {
    const appDir = join(fixturesDir, 'app');
    expect(expandEntryPointGlob(appDir, 'functions/*.mjs')).toEqual(
      ['http.mjs', 'queue.mjs', 'timers.mjs'].map((file) => join(appDir, 'functions', file)),
    );
    expect(expandEntryPointGlob(appDir, './functions/{http,queue}.mjs')).toHaveLength(2);
    expect(expandEntryPointGlob(appDir, '**/state.mjs')).toEqual([join(appDir, 'lib/state.mjs')]);
    expect(expandEntryPointGlob(appDir, 'functions/http.mjs')).toEqual([join(appDir, 'functions/http.mjs')]);
    expect(expandEntryPointGlob(appDir, 'dist/functions/*.js')).toEqual([]);
  });
});

describe('app-setting references', () => {
  it('resolves %NAME% from the environment and names a missing setting', () => {
    expect(resolveAppSettings('%A%', { A: '0 */5 * * * *' })).toBe('0 */5 * * * *');
    expect(resolveAppSettings('q-%A%-%B%', { A: 'x', B: 'y' })).toBe('q-x-y');
    expect(resolveAppSettings('no reference', {})).toBe('no reference');
    expect(() => resolveAppSettings('%MISSING_SETTING%', {})).toThrow(/MISSING_SETTING/);
  });
});

describe('timer schedules', () => {
  it('reads six NCrontab fields, seconds first', () => {
    const schedule = parseTimerSchedule('30 */5 * * * *', { WEBSITE_TIME_ZONE: 'UTC' });
    expect(schedule.next(new Date('2026-01-01T00:01:00Z'))?.toISOString()).toBe('2026-01-01T00:05:30.000Z');
  });

  it('requires both day-of-month and day-of-week to match, as NCrontab does', () => {
    // Friday the 13th: with OR semantics every 13th and every Friday would fire.
    const schedule = parseTimerSchedule('0 0 0 13 * 5', { WEBSITE_TIME_ZONE: 'UTC' });
    expect(schedule.next(new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-02-13T00:00:00.000Z');
  });

  it('resolves %SETTING% schedules and rejects 5-field cron with the schedule in the message', () => {
    expect(parseTimerSchedule('%TICK%', { TICK: '*/10 * * * * *' }).expression).toBe('*/10 * * * * *');
    expect(() => parseTimerSchedule('*/5 * * * *', {})).toThrow(/'\*\/5 \* \* \* \*'/);
    expect(() => parseTimerSchedule('%NOT_SET%', {})).toThrow(/NOT_SET/);
  });

  it('accepts TimeSpan schedules', () => {
    const schedule = parseTimerSchedule('00:00:30', {});
    expect(schedule.next(new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-01-01T00:00:30.000Z');
  });

  it('builds the TimerInfo JSON the host sends (PascalCase, camel-cased by the library)', () => {
    const schedule = parseTimerSchedule('0 0 * * * *', { WEBSITE_TIME_ZONE: 'UTC' });
    const data = timerInfo(schedule, new Date('2026-01-01T10:30:00Z'), true);
    expect(JSON.parse(data.json ?? '')).toEqual({
      Schedule: { AdjustForDST: true },
      ScheduleStatus: { Last: '2026-01-01T10:00:00.000Z', Next: '2026-01-01T11:00:00.000Z', LastUpdated: '2026-01-01T10:30:00.000Z' },
      IsPastDue: true,
    });
  });
});

describe('typed data', () => {
  it('round-trips values the way the host and the library encode them', () => {
    expect(toTypedData('text')).toEqual({ string: 'text' });
    expect(toTypedData({ a: 1 })).toEqual({ json: '{"a":1}' });
    expect(toTypedData(3)).toEqual({ int: 3 });
    expect(toTypedData(undefined)).toBeUndefined();
    expect(fromTypedData({ json: '{"a":1}' })).toEqual({ a: 1 });
    expect(fromTypedData({ string: '{"a":1}' })).toBe('{"a":1}');
    expect(fromTypedData({ bytes: new Uint8Array([1, 2]) })).toEqual(Buffer.from([1, 2]));
  });
});

describe('Set-Cookie', () => {
  it('formats RPC cookies like ASP.NET Core', () => {
    expect(
      formatSetCookie({
        name: 'session',
        value: 'a b;c',
        maxAge: { value: 60 },
        domain: { value: 'example.test' },
        secure: { value: true },
        httpOnly: { value: true },
        sameSite: 'explicitNone',
        expires: { value: { seconds: 0 } },
      }),
    ).toBe('session=a%20b%3Bc; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=60; domain=example.test; path=/; secure; samesite=none; httponly');
    expect(formatSetCookie({ name: 'a', value: 'b', sameSite: 'none' })).toBe('a=b; path=/');
  });
});

describe('singleton lock', () => {
  it('never runs two tasks for the same key at once, and runs them in order', async () => {
    const lock = new SingletonLock();
    const events: string[] = [];
    let active = 0;
    let maxActive = 0;
    const task = (name: string) => async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push(`end ${name}`);
      active--;
      if (name === 'b') throw new Error('b failed');
      return name;
    };
    const results = await Promise.allSettled([lock.run('t', task('a')), lock.run('t', task('b')), lock.run('t', task('c'))]);
    expect(maxActive).toBe(1);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await new Promise((resolve) => setImmediate(resolve)); // the lock forgets a key a few microtasks later
    expect(lock.isBusy('t')).toBe(false);
  });
});
