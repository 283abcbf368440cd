import { describe, expect, it } from 'vitest';
import { ATTACHMENTS_CONTAINER } from '../../shared/config/entities.js';
import { SETTING } from '../../shared/config/settings.js';
import { UPLOAD_GRACE_MS } from '../../shared/use-cases/sweep-notes-attachments.js';
import { findStatement, sourceText } from './bicep-tree.js';
import { deployedWith, evaluate, mainFile, moduleArgs, moduleArgText, moduleFile, paramFiles, paramFileValues, resourcesOf, scopeOf, varExpr } from './templates.js';

/*
 * The attachments' storage (bicep/modules/attachments.bicep), read from the templates: an account
 * apart from the host's, no shared keys, soft delete, a lifecycle rule for abandoned uploads, CORS
 * for the gateway's origins, a private endpoint like Key Vault's, and Defender behind a parameter
 * that the app setting follows.
 */
const module = () => moduleFile('attachments');
const resource = (type: string) => resourcesOf(module()).find((r) => r.statement.resourceType === type)!;
const account = () => resource('Microsoft.Storage/storageAccounts');

describe('attachments storage account', () => {
  it('is its own account, not the host storage (AzureWebJobsStorage), and the app is told its blob endpoint', () => {
    expect(account().text('name')).toBe('names.attachmentsStorage');
    const [host] = resourcesOf(moduleFile('storage')).filter((r) => r.statement.resourceType === 'Microsoft.Storage/storageAccounts');
    expect(host!.text('name')).toBe('names.storage');
    expect(moduleArgText('functionapp', 'attachmentsBlobEndpoint')).toBe('attachments.outputs.blobEndpoint');
    const settings = varExpr(moduleFile('functionapp'), 'appSettings');
    const setting = settings.type === 'object' ? settings.props.find((p) => p.key === SETTING.attachmentsBlobServiceUri) : undefined;
    expect(setting && sourceText(moduleFile('functionapp'), setting.value)).toBe('attachmentsBlobEndpoint');
  });

  it('accepts no shared key (every SAS is a user delegation SAS) and no anonymous access', () => {
    expect(account().value('properties.allowSharedKeyAccess')).toBe(false);
    expect(account().value('properties.defaultToOAuthAuthentication')).toBe(true);
    expect(account().value('properties.allowBlobPublicAccess')).toBe(false);
    expect(resource('Microsoft.Storage/storageAccounts/blobServices/containers').value('properties.publicAccess')).toBe('None');
  });

  it('holds the one container the code writes to', () => {
    expect(resource('Microsoft.Storage/storageAccounts/blobServices/containers').text('name')).toBe('names.attachmentsContainer');
    const naming = moduleFile('naming').text;
    expect(naming).toContain(`attachmentsContainer: '${ATTACHMENTS_CONTAINER}'`);
  });

  it('keeps deleted blobs and containers (soft delete, 7 days or more)', () => {
    const args = moduleArgs('attachments');
    const blobService = resource('Microsoft.Storage/storageAccounts/blobServices');
    const scope = scopeOf(module(), args);
    const retention = evaluate(blobService.get('properties.deleteRetentionPolicy')!, scope) as { enabled: boolean; days: number };
    const containers = evaluate(blobService.get('properties.containerDeleteRetentionPolicy')!, scope) as { enabled: boolean; days: number };
    for (const policy of [retention, containers]) {
      expect(policy.enabled).toBe(true);
      expect(policy.days).toBeGreaterThanOrEqual(7);
    }
  });

  it('a lifecycle rule deletes uploads never completed (a backstop: the sweep removes them sooner)', () => {
    const rules = evaluate(resource('Microsoft.Storage/storageAccounts/managementPolicies').get('properties.policy.rules')!, scopeOf(module(), moduleArgs('attachments'))) as {
      enabled: boolean;
      definition: { filters: { prefixMatch: string[] }; actions: { baseBlob: Record<string, { daysAfterModificationGreaterThan: number }> } };
    }[];
    const abandoned = rules.find((rule) => rule.definition.filters.prefixMatch.some((prefix) => String(prefix).endsWith('/incoming/')));
    expect(abandoned?.enabled).toBe(true);
    expect(abandoned!.definition.actions.baseBlob['delete']!.daysAfterModificationGreaterThan * 86_400_000).toBeGreaterThan(UPLOAD_GRACE_MS);
    // Checked files are never deleted by a rule.
    for (const rule of rules.filter((candidate) => candidate !== abandoned)) expect(rule.definition.actions.baseBlob['delete']).toBeUndefined();
  });

  it('CORS: the gateway\'s origins may PUT and GET the SAS URLs; no origin, no rule', () => {
    expect(moduleArgText('attachments', 'corsAllowedOrigins')).toBe('corsAllowedOrigins');
    const blobService = resource('Microsoft.Storage/storageAccounts/blobServices');
    const withOrigins = evaluate(blobService.get('properties.cors')!, scopeOf(module(), { ...moduleArgs('attachments'), corsAllowedOrigins: ['https://caseload.example.gov.uk'] })) as {
      corsRules: { allowedOrigins: string[]; allowedMethods: string[]; allowedHeaders: string[] }[];
    };
    expect(withOrigins.corsRules).toHaveLength(1);
    expect(withOrigins.corsRules[0]!.allowedOrigins).toEqual(['https://caseload.example.gov.uk']);
    expect(withOrigins.corsRules[0]!.allowedMethods).toEqual(expect.arrayContaining(['PUT', 'GET', 'OPTIONS']));
    expect(withOrigins.corsRules[0]!.allowedHeaders).toContain('x-ms-blob-type');
    const none = evaluate(blobService.get('properties.cors')!, scopeOf(module(), { ...moduleArgs('attachments'), corsAllowedOrigins: [] })) as { corsRules: unknown[] };
    expect(none.corsRules).toEqual([]);
  });

  it('has a private endpoint for blob in the private endpoint subnet, registered in the blob private zone linked to the VNet (as Key Vault)', () => {
    const endpoint = resource('Microsoft.Network/privateEndpoints');
    expect(endpoint.text('properties.privateLinkServiceConnections')).toMatch(/privateLinkServiceId: storage\.id/);
    expect(endpoint.text('properties.privateLinkServiceConnections')).toMatch(/groupIds: \['blob'\]/);
    expect(moduleArgText('attachments', 'privateEndpointSubnetId')).toBe(moduleArgText('keyvault', 'privateEndpointSubnetId'));
    expect(moduleArgText('attachments', 'privateDnsZoneId')).toBe('network.outputs.blobDnsZoneId');
    expect(moduleFile('naming').text).toContain("blobPrivateDnsZone: 'privatelink.blob.core.windows.net'");
    const network = moduleFile('network');
    expect(findStatement(network, 'resource', 'blobDnsLink')).toBeDefined();
    expect(sourceText(network, findStatement(network, 'output', 'blobDnsZoneId')!.value)).toBe('blobDnsZone.id');
    expect(network.text).toMatch(/resource blobDnsLink[\s\S]*?parent: blobDnsZone[\s\S]*?virtualNetwork: \{ id: vnet\.id \}/);
  });

  it('the public endpoint (where browsers upload) is a parameter, narrowed by client IP ranges when given', () => {
    const acls = (publicNetworkAccess: string, allowedIpRanges: string[]) =>
      evaluate(account().get('properties.networkAcls')!, scopeOf(module(), { ...moduleArgs('attachments'), publicNetworkAccess, allowedIpRanges }));
    expect(acls('Enabled', [])).toMatchObject({ defaultAction: 'Allow', ipRules: [] });
    expect(acls('Enabled', ['203.0.113.0/24'])).toMatchObject({ defaultAction: 'Deny', ipRules: [{ value: '203.0.113.0/24', action: 'Allow' }] });
    expect(acls('Disabled', [])).toMatchObject({ defaultAction: 'Deny' });
    expect(moduleArgText('attachments', 'publicNetworkAccess')).toBe('attachmentsPublicNetworkAccess');
  });
});

describe('malware scanning', () => {
  const defender = () => resource('Microsoft.Security/defenderForStorageSettings');

  it('Defender for Storage scans on upload only when main.bicep attachmentsMalwareScanning is true (off by default)', () => {
    expect(evaluate(findStatement(mainFile(), 'param', 'attachmentsMalwareScanning')!.value!, scopeOf(mainFile()))).toBe(false);
    expect(deployedWith(defender(), { ...moduleArgs('attachments'), malwareScanning: false })).toBe(false);
    expect(deployedWith(defender(), { ...moduleArgs('attachments'), malwareScanning: true })).toBe(true);
    expect(defender().text('scope')).toBe('storage');
    expect(defender().value('properties.isEnabled')).toBe(true);
    expect(defender().value('properties.overrideSubscriptionLevelSettings')).toBe(true);
    expect(defender().text('properties.malwareScanning')).toMatch(/onUpload: \{ isEnabled: true/);
    // Only then may the app read index tags: the custom role is deployed with it.
    for (const type of ['Microsoft.Authorization/roleDefinitions']) {
      expect(deployedWith(resource(type), { ...moduleArgs('attachments'), malwareScanning: false }), type).toBe(false);
    }
  });

  it('the app setting follows the parameter, so files wait for a clean verdict exactly where Defender scans', () => {
    expect(moduleArgText('attachments', 'malwareScanning')).toBe('attachmentsMalwareScanning');
    expect(moduleArgText('functionapp', 'attachmentsMalwareScanning')).toBe("attachmentsMalwareScanning ? 'defender' : 'off'");
    for (const file of paramFiles()) {
      const value = paramFileValues(file)['attachmentsMalwareScanning'];
      if (value !== undefined) expect(typeof value, file.path).toBe('boolean');
    }
  });
});
