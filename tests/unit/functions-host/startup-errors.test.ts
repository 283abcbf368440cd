import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHost, fixturesDir, startHostExpectingError } from './host-process.js';

/** A host that cannot serve the app must refuse to start, and say why. */

let build: ReturnType<typeof buildHost>;

beforeAll(() => {
  build = buildHost();
});
afterAll(() => build?.cleanup());

describe('start-up failures', () => {
  it('fails when the modules register zero functions, naming the glob', async () => {
    const message = await startHostExpectingError({ hostEntry: build.entry, projectDir: join(fixturesDir, 'empty') });
    expect(message).toMatch(/^Zero functions were captured from 1 module\(s\) matched by package\.json "main" glob "functions\/\*\.mjs"/);
  });

  it('fails when the main glob matches no file, naming the glob', async () => {
    const message = await startHostExpectingError({ hostEntry: build.entry, projectDir: join(fixturesDir, 'nomatch') });
    expect(message).toMatch(/^No function modules found: package\.json "main" glob "dist\/functions\/\*\.js" .* matched zero files/);
  });

  it('fails clearly when @azure/functions was loaded before the capture was installed', async () => {
    const message = await startHostExpectingError({
      hostEntry: build.entry,
      projectDir: join(fixturesDir, 'app'),
      flags: ['--preload-library'],
    });
    expect(message).toMatch(/^@azure\/functions was already loaded \(.*@azure[\\/]functions[\\/].*\) before installCapture\(\) ran/);
  });

  it('fails when a timer schedule names an app setting that is not set', async () => {
    const env = { FIXTURE_QUEUE: 'work', FIXTURE_TICK_SCHEDULE: '' };
    const message = await startHostExpectingError({ hostEntry: build.entry, projectDir: join(fixturesDir, 'app'), env });
    expect(message).toMatch(/^Timer function 'setting-timer': '%FIXTURE_TICK_SCHEDULE%' does not resolve to a value/);
  });

  it('fails when a timer schedule is not a 6-field NCrontab expression', async () => {
    const env = { FIXTURE_QUEUE: 'work', FIXTURE_TICK_SCHEDULE: '*/5 * * * *' };
    const message = await startHostExpectingError({ hostEntry: build.entry, projectDir: join(fixturesDir, 'app'), env });
    expect(message).toMatch(/'%FIXTURE_TICK_SCHEDULE%' \(resolved to '\*\/5 \* \* \* \*'\) is not a valid 6-field NCrontab expression/);
  });
});
