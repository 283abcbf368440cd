import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHost, fixturesDir, type RunningHost, startHost } from './host-process.js';

interface TimerRun {
  at: string;
  timer: { isPastDue: boolean; schedule: { adjustForDST: boolean }; scheduleStatus: { last: string; next: string; lastUpdated: string } | null };
}
interface FixtureState {
  timerRuns: Record<string, TimerRun[]>;
  maxActive: Record<string, number>;
  queueMessages: unknown[];
}

let build: ReturnType<typeof buildHost>;
const appDir = join(fixturesDir, 'app');

beforeAll(() => {
  build = buildHost();
});
afterAll(() => build?.cleanup());

async function state(host: RunningHost): Promise<FixtureState> {
  return (await (await fetch(`${host.apiBaseUrl}/state`)).json()) as FixtureState;
}

function admin(host: RunningHost, name: string, body?: unknown): Promise<Response> {
  return fetch(`${host.url}/admin/functions/${name}`, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

describe('with timers enabled', () => {
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({
      hostEntry: build.entry,
      projectDir: appDir,
      // Every second: the %SETTING% schedule must resolve to fire during the test.
      env: { FIXTURE_TICK_SCHEDULE: '* * * * * *', FIXTURE_QUEUE: 'work' },
    });
  }, 30_000);
  afterAll(() => host?.stop());

  it('runs runOnStartup timers once at start, with a Timer shaped like the library type', async () => {
    await host.waitForLog(/Executed 'Functions\.startup-timer' \(Succeeded/);
    const runs = (await state(host)).timerRuns['startup-timer'] ?? [];
    expect(runs).toHaveLength(1);
    const { timer } = runs[0] as TimerRun;
    expect(timer.isPastDue).toBe(false);
    expect(timer.schedule).toEqual({ adjustForDST: true });
    expect(Object.keys(timer.scheduleStatus ?? {}).sort()).toEqual(['last', 'lastUpdated', 'next']);
    // The fixture schedule fires on 1 January at midnight.
    expect(new Date(timer.scheduleStatus?.next ?? '').getMonth()).toBe(0);
    expect(new Date(timer.scheduleStatus?.next ?? '').getDate()).toBe(1);
  });

  it('does not run timers without runOnStartup on their own', async () => {
    expect((await state(host)).timerRuns['manual-timer']).toBeUndefined();
  });

  it('fires a schedule given as a %SETTING% reference', async () => {
    await host.waitForLog(/Timer schedule '\* \* \* \* \* \*'/);
    await host.waitForLog(/Executed 'Functions\.setting-timer' \(Succeeded/, 4000);
    expect((await state(host)).timerRuns['setting-timer']?.length).toBeGreaterThan(0);
  });

  it('runs a timer by hand with POST /admin/functions/<name> and answers 202 once it finished', async () => {
    const response = await admin(host, 'manual-timer');
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
    expect((await state(host)).timerRuns['manual-timer']).toHaveLength(1);
  });

  it('finds functions by name case-insensitively', async () => {
    expect((await admin(host, 'MANUAL-Timer')).status).toBe(202);
  });

  it('never runs the same timer twice at once', async () => {
    const started = Date.now();
    const responses = await Promise.all([admin(host, 'slow-timer'), admin(host, 'slow-timer'), admin(host, 'slow-timer')]);
    expect(responses.map((response) => response.status)).toEqual([202, 202, 202]);
    const after = await state(host);
    expect(after.timerRuns['slow-timer']).toHaveLength(3);
    expect(after.maxActive['slow-timer']).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 300 - 50);
  });

  it('answers 500 with a problem, without the error message, when the function throws', async () => {
    const response = await admin(host, 'failing-timer');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('exploded');
    expect(JSON.parse(text)).toMatchObject({ status: 500, detail: expect.stringMatching(/^The function failed\. Invocation id: /) });
    expect(await host.waitForLog(/Functions\.failing-timer' \(Failed/)).toContain('timer exploded');
  });

  it('answers 404 for an unknown function and 400 for an HTTP function', async () => {
    const unknown = await admin(host, 'no-such-function');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 404 });
    expect((await admin(host, 'tasks-get')).status).toBe(400);
  });

  it('passes {"input": ...} to other triggers as their trigger data', async () => {
    expect((await admin(host, 'sb-plain', { input: { caseId: 'C-1' } })).status).toBe(202);
    expect((await admin(host, 'sb-plain', { input: 'just text' })).status).toBe(202);
    expect((await state(host)).queueMessages.slice(-2)).toEqual([{ caseId: 'C-1' }, 'just text']);
  });

  it('rejects a malformed admin body and a GET on the run endpoint', async () => {
    const malformed = await fetch(`${host.url}/admin/functions/manual-timer`, { method: 'POST', body: '{not json' });
    expect(malformed.status).toBe(400);
    const get = await fetch(`${host.url}/admin/functions/manual-timer`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('is not under the route prefix', async () => {
    expect((await fetch(`${host.apiBaseUrl}/admin/functions/manual-timer`, { method: 'POST' })).status).toBe(404);
  });

  it('lists functions and reports host status', async () => {
    const list = (await (await fetch(`${host.url}/admin/functions`)).json()) as Array<{ name: string; trigger: string; schedule?: string }>;
    expect(list.find((fn) => fn.name === 'setting-timer')).toMatchObject({ trigger: 'timerTrigger', schedule: '%FIXTURE_TICK_SCHEDULE%' });
    expect(await (await fetch(`${host.url}/admin/host/status`)).json()).toEqual({ state: 'Running' });
  });
});

describe('with timers disabled', () => {
  let host: RunningHost;

  beforeAll(async () => {
    // No FIXTURE_TICK_SCHEDULE: schedules are only resolved when timers are enabled.
    host = await startHost({ hostEntry: build.entry, projectDir: appDir, env: { FIXTURE_QUEUE: 'work' }, flags: ['--no-timers'] });
  }, 30_000);
  afterAll(() => host?.stop());

  it('skips runOnStartup but still runs timers by hand', async () => {
    expect((await state(host)).timerRuns['startup-timer']).toBeUndefined();
    expect((await admin(host, 'setting-timer')).status).toBe(202);
    const [run] = (await state(host)).timerRuns['setting-timer'] ?? [];
    // Without a resolvable schedule the host sends no schedule status, as Azure may.
    expect(run?.timer).toMatchObject({ isPastDue: false, scheduleStatus: null });
  });
});
