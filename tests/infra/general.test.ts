import { describe, expect, it } from 'vitest';
import { findStatement, referencedNames, sourceText, statementsOf } from './bicep-tree.js';
import { VERIFIED_API_VERSIONS } from './api-versions.js';
import { allResources, mainFile, moduleFile, paramDefault, resourcesOfType, shortPath, templateFiles, varExpr } from './templates.js';

/**
 * Resource types that Azure only deploys as global resources, with why that is acceptable: they
 * hold configuration (rules, DNS records), never application data.
 */
const GLOBAL_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  'Microsoft.Network/privateDnsZones': 'Private DNS zones are global by design; the zone holds the private endpoint A record only.',
  'Microsoft.Network/privateDnsZones/virtualNetworkLinks': 'Child of a private DNS zone; global like its parent.',
  'Microsoft.Insights/actionGroups': 'Azure Monitor action groups are global; they hold the alert e-mail addresses.',
  'Microsoft.Insights/metricAlerts': 'Metric alert rules are global; they hold the rule definition.',
};

/**
 * Child resource names fixed by the Azure API (not ours to choose), by type. Every other resource
 * name must come from modules/naming.bicep, an entity definition, a parameter or guid().
 */
const API_FIXED_NAMES: Readonly<Record<string, readonly string[]>> = {
  'Microsoft.Storage/storageAccounts/blobServices': ['default'],
  'Microsoft.Web/sites/basicPublishingCredentialsPolicies': ['ftp', 'scm'],
  'Microsoft.ApiManagement/service/apis/policies': ['policy'],
  'Microsoft.ApiManagement/service/products/policies': ['policy'],
  'Microsoft.Network/privateEndpoints/privateDnsZoneGroups': ['default'],
  'Microsoft.Storage/storageAccounts/managementPolicies': ['default'],
  // Defender for Storage settings of an account are one resource, named 'current' by the API.
  'Microsoft.Security/defenderForStorageSettings': ['current'],
  // The rule Service Bus creates with every subscription; a subscription's own filter replaces it by this name.
  'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules': ['$Default'],
};

/**
 * Resources that take neither location nor tags: extension resources (role assignments, an
 * account's Defender settings) and role definitions (named by a GUID, scoped by assignableScopes).
 */
const NO_TAGS_TYPES = new Set(['Microsoft.Authorization/roleAssignments', 'Microsoft.Authorization/roleDefinitions', 'Microsoft.Security/defenderForStorageSettings']);

const isTopLevel = (type: string) => type.split('/').length === 2;

describe('location: UK South only', () => {
  it('main.bicep validates location with @allowed([uksouth]) and defaults to it', () => {
    const main = mainFile();
    const location = findStatement(main, 'param', 'location');
    expect(location, 'main.bicep must declare param location').toBeDefined();
    const allowed = location!.decorators.find((d) => d.name === 'allowed');
    expect(allowed, 'param location needs @allowed').toBeDefined();
    expect(sourceText(main, allowed!.args[0]!).replace(/\s/g, '')).toBe("['uksouth']");
    expect(paramDefault(main, 'location')).toBe('uksouth');
  });

  it('every module receives main.bicep location as its location parameter', () => {
    const main = mainFile();
    for (const module of statementsOf(main, 'module')) {
      const locationArg = module.value.type === 'object' ? module.value.props.find((p) => p.key === 'params') : undefined;
      const params = locationArg?.value.type === 'object' ? locationArg.value : undefined;
      const passed = params?.props.find((p) => p.key === 'location');
      expect(passed && sourceText(main, passed.value), `module ${module.name} must pass location: location`).toBe('location');
    }
  });

  it('every resource is placed by the location parameter (or is a documented global resource)', () => {
    const offenders: string[] = [];
    for (const resource of allResources()) {
      const type = resource.statement.resourceType;
      const location = resource.get('location');
      if (!location) {
        if (isTopLevel(type) && !NO_TAGS_TYPES.has(type)) offenders.push(`${resource.label}: no location`);
        continue;
      }
      const text = sourceText(resource.file, location);
      if (text === 'location') continue;
      if (text === "'global'" && type in GLOBAL_RESOURCE_TYPES) continue;
      offenders.push(`${resource.label}: location ${text}`);
    }
    expect(offenders, 'resources placed outside the validated location param').toEqual([]);
    // Each module's `location` is its own parameter (not a literal or a resourceGroup() lookup).
    for (const file of templateFiles().slice(1)) {
      if (allResources().some((r) => r.file === file && r.get('location'))) {
        expect(findStatement(file, 'param', 'location'), `${shortPath(file)} must take param location`).toBeDefined();
        expect(findStatement(file, 'param', 'location')!.value, `${shortPath(file)}: param location must have no default`).toBeUndefined();
      }
    }
  });

  it('Cosmos DB has one region, the location parameter', () => {
    const [account] = resourcesOfType('Microsoft.DocumentDB/databaseAccounts');
    const locations = account!.get('properties.locations');
    expect(locations?.type === 'array' && locations.items.length, `${account!.label}: one region`).toBe(1);
    expect(account!.text('properties.locations')).toMatch(/locationName: location\b/);
  });
});

describe('tags', () => {
  it('every top-level resource carries the tags parameter', () => {
    const offenders = allResources()
      .filter((r) => isTopLevel(r.statement.resourceType) && !NO_TAGS_TYPES.has(r.statement.resourceType))
      .filter((r) => {
        const tags = r.get('tags');
        return !tags || !referencedNames(tags).some((name) => name === 'tags' || name === 'allTags');
      })
      .map((r) => r.label);
    expect(offenders, 'resources without tags').toEqual([]);
  });

  it('main.bicep adds azd-env-name to the tags it passes down, and the resource group has them', () => {
    const main = mainFile();
    expect(sourceText(main, varExpr(main, 'allTags'))).toContain("'azd-env-name': environmentName");
    const [rg] = resourcesOfType('Microsoft.Resources/resourceGroups');
    expect(rg!.text('tags')).toBe('allTags');
    for (const module of statementsOf(main, 'module')) {
      expect(sourceText(main, module.value), `module ${module.name} must pass tags: allTags`).toMatch(/\btags: allTags\b/);
    }
  });
});

describe('API versions', () => {
  it('no resource uses a preview API version', () => {
    const previews = allResources({ includeExisting: true })
      .filter((r) => /preview/i.test(r.statement.apiVersion))
      .map((r) => r.label);
    expect(previews).toEqual([]);
  });

  it('every resource type uses the version verified and recorded in tests/infra/api-versions.ts', () => {
    const offenders = allResources({ includeExisting: true })
      .filter((r) => VERIFIED_API_VERSIONS[r.statement.resourceType] !== r.statement.apiVersion)
      .map((r) => `${r.label}: recorded ${VERIFIED_API_VERSIONS[r.statement.resourceType] ?? 'nothing'}`);
    expect(offenders).toEqual([]);
  });
});

describe('names come from modules/naming.bicep', () => {
  it('no resource name is a literal (except names the Azure API fixes)', () => {
    const offenders: string[] = [];
    for (const resource of allResources()) {
      const name = resource.get('name');
      if (!name) {
        offenders.push(`${resource.label}: no name`);
        continue;
      }
      const fixed = API_FIXED_NAMES[resource.statement.resourceType] ?? [];
      if (name.type === 'string') {
        const literalText = name.segments.join('');
        if (name.holes.length === 0 && fixed.includes(literalText)) continue;
        offenders.push(`${resource.label}: name ${sourceText(resource.file, name)} is written here, not taken from naming.bicep`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('top-level resource names are members of the names object built by naming.bicep', () => {
    const offenders = allResources()
      .filter((r) => isTopLevel(r.statement.resourceType) && !NO_TAGS_TYPES.has(r.statement.resourceType))
      .filter((r) => !/^names\.\w+$/.test(r.text('name') ?? ''))
      .map((r) => `${r.label}: name ${r.text('name')}`);
    expect(offenders).toEqual([]);
    const main = mainFile();
    expect(sourceText(main, varExpr(main, 'names'))).toMatch(/^resourceNames\(/);
    expect(statementsOf(main, 'import').some((i) => i.from === 'modules/naming.bicep' && i.symbols.includes('resourceNames'))).toBe(true);
  });
});

describe('no secrets in templates or outputs', () => {
  // "key" anywhere except in "Key Vault" (its name is not a secret).
  const SECRET_WORDS = /secret|password|connection_?string|sas|token|key(?!_?vault)/i;

  it('no output is secret-like by name or value', () => {
    const offenders: string[] = [];
    for (const file of templateFiles()) {
      for (const output of statementsOf(file, 'output')) {
        const text = sourceText(file, output.value);
        if (SECRET_WORDS.test(output.name)) offenders.push(`${shortPath(file)}: output ${output.name}`);
        if (/listKeys|listSecrets|listConnectionStrings|ConnectionString|InstrumentationKey|primaryKey|secondaryKey/i.test(text)) {
          offenders.push(`${shortPath(file)}: output ${output.name} = ${text}`);
        }
        if (output.decorators.some((d) => d.name === 'secure')) offenders.push(`${shortPath(file)}: output ${output.name} is @secure`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('no template reads keys or embeds key material', () => {
    const offenders: string[] = [];
    for (const file of templateFiles()) {
      for (const pattern of [/listKeys\s*\(/i, /listSecrets\s*\(/i, /listConnectionStrings\s*\(/i, /AccountKey=/i, /SharedAccessKey/i, /InstrumentationKey=/i]) {
        if (pattern.test(file.text)) offenders.push(`${shortPath(file)} matches ${pattern}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the App Insights connection string is only ever read into the app setting, from the component', () => {
    for (const file of templateFiles()) {
      const uses = file.text.match(/\.properties\.ConnectionString/g) ?? [];
      if (shortPath(file) === 'bicep/modules/functionapp.bicep') expect(uses.length).toBe(1);
      else expect(uses.length, `${shortPath(file)} reads a connection string`).toBe(0);
    }
  });

  it('the outputs the deployment promises are there', () => {
    const outputs = statementsOf(mainFile(), 'output').map((o) => o.name);
    expect(outputs).toEqual(expect.arrayContaining(['API_GATEWAY_URL', 'FUNCTION_APP_NAME', 'COSMOS_ENDPOINT', 'SERVICE_BUS_NAMESPACE_FQDN']));
  });
});

describe('local auth is disabled everywhere; TLS 1.2 minimum', () => {
  it('Cosmos DB: disableLocalAuth, no key-based metadata writes, TLS 1.2', () => {
    const [account] = resourcesOfType('Microsoft.DocumentDB/databaseAccounts');
    expect(account!.value('properties.disableLocalAuth'), `${account!.label} disableLocalAuth`).toBe(true);
    expect(account!.value('properties.disableKeyBasedMetadataWriteAccess'), `${account!.label} disableKeyBasedMetadataWriteAccess`).toBe(true);
    expect(account!.value('properties.minimalTlsVersion')).toBe('Tls12');
  });

  it('Service Bus: disableLocalAuth (no SAS), TLS 1.2', () => {
    const [namespace] = resourcesOfType('Microsoft.ServiceBus/namespaces');
    expect(namespace!.value('properties.disableLocalAuth'), `${namespace!.label} disableLocalAuth`).toBe(true);
    expect(namespace!.value('properties.minimumTlsVersion')).toBe('1.2');
  });

  it('Storage: no shared keys, no public blobs, HTTPS and TLS 1.2', () => {
    for (const storage of resourcesOfType('Microsoft.Storage/storageAccounts')) {
      expect(storage.value('properties.allowSharedKeyAccess'), `${storage.label} allowSharedKeyAccess`).toBe(false);
      expect(storage.value('properties.allowBlobPublicAccess'), `${storage.label} allowBlobPublicAccess`).toBe(false);
      expect(storage.value('properties.supportsHttpsTrafficOnly')).toBe(true);
      expect(storage.value('properties.minimumTlsVersion')).toBe('TLS1_2');
    }
  });

  it('Key Vault: RBAC authorization, soft delete and purge protection; public access is a parameter', () => {
    const [vault] = resourcesOfType('Microsoft.KeyVault/vaults');
    expect(vault!.value('properties.enableRbacAuthorization')).toBe(true);
    expect(vault!.value('properties.enableSoftDelete')).toBe(true);
    expect(vault!.value('properties.enablePurgeProtection')).toBe(true);
    expect(vault!.text('properties.publicNetworkAccess')).toBe('publicNetworkAccess');
    expect(vault!.get('properties.accessPolicies'), 'no access policies: RBAC only').toBeUndefined();
  });

  it('the App Insights switch to Entra-only ingestion exists (default documented in the ADR)', () => {
    expect(paramDefault(moduleFile('monitoring'), 'disableLocalAuth')).toBe(false);
  });
});
