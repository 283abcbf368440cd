import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT_PATH } from '../../shared/openapi/document-file.js';
import { makeTempDir, removeTempDir } from '../support/temp-dir.js';

const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const spectral = join(require.resolve('@stoplight/spectral-cli/package.json'), '..', 'dist', 'index.js');
const redocly = join(require.resolve('@redocly/cli/package.json'), '..', 'bin', 'cli.js');
const run = promisify(execFile);
const scratch = makeTempDir('caseload-lint-');
afterAll(() => removeTempDir(scratch));

interface Finding {
  code: string;
  severity: number; // 0 error, 1 warning, 2 info, 3 hint
  path: string[];
  message: string;
}

/** Runs a linter that exits 1 when it finds errors; its JSON report is on stdout either way. */
async function report(args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    return (await run(process.execPath, args, { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } })).stdout;
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout ?? '';
    if (!stdout) throw error;
    return stdout;
  }
}

interface RedoclyReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: 'error' | 'warn'; message: string; location: { pointer: string }[] }[];
}

/** Redocly CLI with the repository's redocly.yaml (the recommended ruleset); no telemetry, no update check (offline). */
async function redoclyLint(file: string): Promise<RedoclyReport> {
  const stdout = await report([redocly, 'lint', file, '--format', 'json'], { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' });
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as RedoclyReport;
}

describe('the OpenAPI document', () => {
  it('passes Spectral with the OWASP API security ruleset with zero errors (.spectral.yaml)', async () => {
    const stdout = await report([spectral, 'lint', OPENAPI_DOCUMENT_PATH, '--ruleset', '.spectral.yaml', '-f', 'json', '--quiet']);
    const findings = JSON.parse(stdout) as Finding[];
    const errors = findings.filter((finding) => finding.severity === 0).map((finding) => `${finding.code} at ${finding.path.join('.')}: ${finding.message}`);
    expect(errors).toEqual([]);
    // The OWASP rules really ran: their warnings are reported (severity 1), so the ruleset was loaded.
    expect(findings.some((finding) => finding.code.startsWith('owasp:'))).toBe(true);
  }, 120_000);

  it("passes Redocly's recommended ruleset with zero errors and zero warnings (redocly.yaml)", async () => {
    const result = await redoclyLint(OPENAPI_DOCUMENT_PATH);
    expect(result.problems.map((problem) => `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`)).toEqual([]);
    expect(result.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 120_000);

  it('the Redocly ruleset really runs: a copy with an undefined security scheme and an undescribed tag is refused', async () => {
    const document = JSON.parse(readFileSync(join(root, OPENAPI_DOCUMENT_PATH), 'utf8'));
    document.paths['/v1/tasks'].get.security = [{ nowhere: [] }];
    document.tags[0].description = undefined;
    const broken = join(scratch, 'broken.openapi.json');
    writeFileSync(broken, JSON.stringify(document));
    const result = await redoclyLint(broken);
    expect(result.problems.map((problem) => `${problem.severity} ${problem.ruleId}`)).toEqual(expect.arrayContaining(['error security-defined', 'warn tag-description']));
  }, 120_000);
});
