import { describe, expect, it } from 'vitest';
import { evaluate, scopeOf, Unknown } from './bicep-evaluate.js';
import { parseBicep } from './bicep-reader.js';
import { BicepSyntaxError } from './bicep-tokens.js';
import { bodyOf, findStatement, prop, sourceText } from './bicep-tree.js';

/** The reader the other infra tests rely on: it must read what Bicep means, and refuse what it cannot read. */
describe('Bicep reader', () => {
  const sample = `
targetScope = 'subscription'
@allowed(['uksouth'])
param location string = 'uksouth'
param env string
var names = {
  app: 'func-\${env}'
  'quoted-key': true
}
var list = [for (n, i) in ['a', 'b']: { name: n, index: i }]
var pick = empty(list)
  ? 'none'
  : 'some'
resource site 'Microsoft.Web/sites@2024-11-01' = if (env == 'prod') {
  name: names.app
  location: location // comment
  properties: { httpsOnly: true, siteConfig: { minTlsVersion: '1.2' } }
}
output url string = 'https://\${site.properties.defaultHostName}'
`;

  it('parses declarations, decorators, conditions, loops and comments', () => {
    const file = parseBicep(sample);
    const site = findStatement(file, 'resource', 'site')!;
    expect(site.resourceType).toBe('Microsoft.Web/sites');
    expect(site.apiVersion).toBe('2024-11-01');
    expect(site.value.type).toBe('if');
    expect(sourceText(file, prop(bodyOf(site.value), 'location')!)).toBe('location');
    expect(findStatement(file, 'param', 'location')!.decorators[0]!.name).toBe('allowed');
  });

  it('evaluates literals, params, interpolation, loops and multi-line ternaries', () => {
    const file = parseBicep(sample);
    const scope = scopeOf(file, { env: 'dev' });
    expect(evaluate(findStatement(file, 'var', 'names')!.value, scope)).toEqual({ app: 'func-dev', 'quoted-key': true });
    expect(evaluate(findStatement(file, 'var', 'list')!.value, scope)).toEqual([
      { name: 'a', index: 0 },
      { name: 'b', index: 1 },
    ]);
    expect(evaluate(findStatement(file, 'var', 'pick')!.value, scope)).toBe('some');
    expect(evaluate(prop(bodyOf(findStatement(file, 'resource', 'site')!.value), 'properties.siteConfig.minTlsVersion')!, scope)).toBe('1.2');
  });

  it('reports runtime values as unknown rather than guessing', () => {
    const file = parseBicep(sample);
    expect(evaluate(findStatement(file, 'output', 'url')!.value, scopeOf(file))).toBeInstanceOf(Unknown);
    expect(evaluate(findStatement(file, 'var', 'names')!.value, scopeOf(file))).toMatchObject({ app: expect.any(Unknown) });
  });

  it('fails loudly, with a position, on text it cannot read', () => {
    expect(() => parseBicep("var x = 'unterminated")).toThrow(BicepSyntaxError);
    expect(() => parseBicep('resource r = {}')).toThrow(/1:\d+/);
    expect(() => parseBicep("var a = { b: 1 c: 2 }")).toThrow(BicepSyntaxError);
  });
});
