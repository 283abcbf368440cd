import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevSettingsError, resolveDevSettings } from '../../../dev/dev-settings.js';
import { devIssuerUrls } from '../../../dev/issuer.js';
import { makeTempDir, removeTempDir } from '../../support/temp-dir.js';

let project: string;

beforeAll(async () => {
  project = makeTempDir('caseload-settings-');
  await writeFile(join(project, 'package.json'), '{}');
  await mkdir(join(project, 'sub', 'deeper'), { recursive: true });
});

afterAll(() => removeTempDir(project));

describe('resolveDevSettings', () => {
  it('defaults to port 7071, Cosmos port 8081, .data in the project root and no fault proxy', () => {
    expect(resolveDevSettings({}, project)).toEqual({
      port: 7071,
      cosmosPort: 8081,
      dataDir: join(project, '.data'),
      baseUrl: 'http://localhost:7071',
      cosmosFaultProxy: false,
    });
  });

  it('turns the Cosmos fault proxy on with 1 or true, off with 0, false or blank, and refuses anything else', () => {
    for (const on of ['1', 'true', ' TRUE ']) expect(resolveDevSettings({ CASELOAD_COSMOS_FAULT_PROXY: on }, project).cosmosFaultProxy).toBe(true);
    for (const off of ['0', 'false', '', '  ']) expect(resolveDevSettings({ CASELOAD_COSMOS_FAULT_PROXY: off }, project).cosmosFaultProxy).toBe(false);
    expect(() => resolveDevSettings({ CASELOAD_COSMOS_FAULT_PROXY: 'yes' }, project)).toThrow(/CASELOAD_COSMOS_FAULT_PROXY="yes" must be 1 or 0/);
  });

  it('finds the project root from a subfolder for the default data folder', () => {
    expect(resolveDevSettings({}, join(project, 'sub', 'deeper')).dataDir).toBe(join(project, '.data'));
  });

  it('resolves a relative CASELOAD_DATA_DIR against the working directory and keeps an absolute one', () => {
    const cwd = join(project, 'sub');
    expect(resolveDevSettings({ CASELOAD_DATA_DIR: 'local-data' }, cwd).dataDir).toBe(join(cwd, 'local-data'));
    const absolute = join(project, 'elsewhere');
    expect(resolveDevSettings({ CASELOAD_DATA_DIR: absolute }, cwd).dataDir).toBe(absolute);
  });

  it('treats blank values as unset', () => {
    expect(resolveDevSettings({ PORT: ' ', CASELOAD_DATA_DIR: '' }, project)).toEqual(resolveDevSettings({}, project));
  });

  it('uses PORT for the base URL, which gives the issuer the host verifies against', () => {
    const settings = resolveDevSettings({ PORT: ' 8080 ' }, project);
    expect(settings.port).toBe(8080);
    expect(settings.baseUrl).toBe('http://localhost:8080');
    expect(devIssuerUrls(settings.baseUrl).issuer).toBe('http://localhost:8080/api');
  });

  it.each(['0', '65536', 'abc', '80.5', '-1', '1e3', '7071x'])('refuses PORT=%s, naming the setting', (port) => {
    expect(() => resolveDevSettings({ PORT: port }, project)).toThrow(DevSettingsError);
    expect(() => resolveDevSettings({ PORT: port }, project)).toThrow(/^PORT=/);
  });

  it('accepts the port range bounds', () => {
    expect(resolveDevSettings({ PORT: '1' }, project).port).toBe(1);
    expect(resolveDevSettings({ PORT: '65535' }, project).port).toBe(65535);
  });
});

describe('CASELOAD_COSMOS_PORT', () => {
  it('is validated like PORT', () => {
    expect(resolveDevSettings({ CASELOAD_COSMOS_PORT: '18081' }).cosmosPort).toBe(18081);
    expect(() => resolveDevSettings({ CASELOAD_COSMOS_PORT: '70000' })).toThrow(/CASELOAD_COSMOS_PORT/);
  });
});
