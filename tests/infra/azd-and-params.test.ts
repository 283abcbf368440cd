import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PACKAGE_DIR, REPO_DIR } from '../../dev/package/layout.js';
import { findStatement, statementsOf } from './bicep-tree.js';
import { evaluate, mainFile, paramFiles, readRepoFile, resourcesOfType, scopeOf, shortPath } from './templates.js';

describe('parameter files', () => {
  it('there is one per environment: dev, test, prod', () => {
    expect(paramFiles().map((f) => shortPath(f)).sort()).toEqual(['bicep/env/dev.bicepparam', 'bicep/env/prod.bicepparam', 'bicep/env/test.bicepparam']);
  });

  for (const file of paramFiles()) {
    it(`${shortPath(file)}: uses main.bicep, sets location uksouth (or omits it), sets only parameters main.bicep declares`, () => {
      expect(statementsOf(file, 'using').map((u) => u.path)).toEqual(['../main.bicep']);
      const location = findStatement(file, 'param', 'location');
      if (location) expect(evaluate(location.value!, scopeOf(file)), `${shortPath(file)} location`).toBe('uksouth');
      for (const param of statementsOf(file, 'param')) {
        expect(findStatement(mainFile(), 'param', param.name), `${shortPath(file)} sets ${param.name}, which main.bicep does not declare`).toBeDefined();
      }
    });
  }

  it('prod: autoscale Cosmos with 30-day restore; dev: serverless', () => {
    const value = (env: string, name: string) => {
      const file = paramFiles().find((f) => f.path.endsWith(`${env}.bicepparam`))!;
      return evaluate(findStatement(file, 'param', name)!.value!, scopeOf(file));
    };
    expect(value('prod', 'cosmosThroughputMode')).toBe('autoscale');
    expect(value('prod', 'cosmosBackupTier')).toBe('Continuous30Days');
    expect(value('dev', 'cosmosThroughputMode')).toBe('serverless');
  });

  it('main.parameters.json (azd) sets location uksouth or omits it, and sets only declared parameters', () => {
    const parameters = (JSON.parse(readRepoFile('bicep/main.parameters.json')) as { parameters: Record<string, { value: unknown }> }).parameters;
    if ('location' in parameters) expect(parameters.location!.value).toBe('uksouth');
    for (const name of Object.keys(parameters)) expect(findStatement(mainFile(), 'param', name), `main.parameters.json sets ${name}`).toBeDefined();
  });

  it('main.bicep is subscription-scoped and creates the resource group', () => {
    const [scope] = statementsOf(mainFile(), 'targetScope');
    expect(evaluate(scope!.value, scopeOf(mainFile()))).toBe('subscription');
    expect(resourcesOfType('Microsoft.Resources/resourceGroups')).toHaveLength(1);
  });
});

interface AzureYaml {
  services: Record<string, { project: string; language: string; host: string; remoteBuild?: boolean }>;
  hooks: Record<string, { posix: { run: string }; windows: { run: string } }>;
}

describe('azure.yaml', () => {
  const yaml = () => readRepoFile('azure.yaml');

  it('points azd at bicep/main.bicep', () => {
    expect(yaml()).toMatch(/^infra:\n {2}provider: bicep\n {2}path: bicep\n {2}module: main$/m);
  });

  const parsed = () => parseYaml(yaml()) as AzureYaml;

  it('deploys service api from exactly the deployment package folder, as a JavaScript function app built here', () => {
    const api = parsed().services['api']!;
    expect(api.project).toBe(relative(REPO_DIR, PACKAGE_DIR));
    expect(api.language).toBe('js');
    expect(api.host).toBe('function');
    expect(api.remoteBuild).toBe(false);
  });

  it('builds the deployment package before azd packages the service (prepackage: npm ci && npm run package)', () => {
    const hook = parsed().hooks['prepackage']!;
    expect(hook.posix.run).toMatch(/^npm ci\b[^\n]* && npm run package$/);
    expect(hook.windows.run).toMatch(/npm run package/);
  });

  it('the Function App carries azd-service-name = the azure.yaml service name', () => {
    const [site] = resourcesOfType('Microsoft.Web/sites');
    expect(site!.text('tags')).toBe("union(tags, { 'azd-service-name': serviceName })");
    const serviceName = findStatement(site!.file, 'param', 'serviceName')!;
    expect(evaluate(serviceName.value!, scopeOf(site!.file))).toBe('api');
  });
});
