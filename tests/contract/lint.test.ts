import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT_PATH } from '../../shared/openapi/document-file.js';

const root = join(import.meta.dirname, '..', '..');
const spectral = join(createRequire(import.meta.url).resolve('@stoplight/spectral-cli/package.json'), '..', 'dist', 'index.js');

interface Finding {
  code: string;
  severity: number; // 0 error, 1 warning, 2 info, 3 hint
  path: string[];
  message: string;
}

describe('the OpenAPI document', () => {
  it('passes Spectral with the OWASP API security ruleset with zero errors (.spectral.yaml)', async () => {
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(process.execPath, [spectral, 'lint', OPENAPI_DOCUMENT_PATH, '--ruleset', '.spectral.yaml', '-f', 'json', '--quiet'], {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
      }));
    } catch (error) {
      // Spectral exits 1 when it finds errors; its report is still on stdout.
      stdout = (error as { stdout?: string }).stdout ?? '';
      if (!stdout) throw error;
    }
    const findings = JSON.parse(stdout) as Finding[];
    const errors = findings.filter((finding) => finding.severity === 0).map((finding) => `${finding.code} at ${finding.path.join('.')}: ${finding.message}`);
    expect(errors).toEqual([]);
    // The OWASP rules really ran: their warnings are reported (severity 1), so the ruleset was loaded.
    expect(findings.some((finding) => finding.code.startsWith('owasp:'))).toBe(true);
  }, 120_000);
});
