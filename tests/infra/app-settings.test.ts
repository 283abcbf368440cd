import { describe, expect, it } from 'vitest';
import { COSMOS_DATABASE_DEFAULT, SERVICE_BUS_CONNECTION } from '../../shared/config/entities.js';
import { NOTIFY_PRODUCTION_URL, SCHEDULE_DEFAULTS, SETTING } from '../../shared/config/settings.js';
import { findStatement, referencedNames, sourceText } from './bicep-tree.js';
import { AZURE_ONLY_SETTINGS, LOCAL_ONLY_SETTINGS } from './app-settings.js';
import { mainFile, moduleFile, paramDefault, resourcesOfType, varExpr } from './templates.js';

const functionApp = () => moduleFile('functionapp');

/** The Function App's app settings as written in the template: name -> value expression. */
function bicepAppSettings() {
  const expr = varExpr(functionApp(), 'appSettings');
  if (expr.type !== 'object') throw new Error('functionapp.bicep: var appSettings must be an object literal');
  return new Map(expr.props.map((p) => [p.key, p.value]));
}

describe('Function App settings match what the code reads', () => {
  const codeSettings: string[] = Object.values(SETTING);

  it('the classification lists are valid: local-only names are code settings, Azure-only names are not, each has a reason', () => {
    for (const [name, reason] of Object.entries(LOCAL_ONLY_SETTINGS)) {
      expect(codeSettings, `local-only ${name} is not in SETTING any more`).toContain(name);
      expect(reason.length, `reason for ${name}`).toBeGreaterThan(20);
    }
    for (const [name, reason] of Object.entries(AZURE_ONLY_SETTINGS)) {
      expect(codeSettings, `Azure-only ${name} is read by the code now: drop it from AZURE_ONLY_SETTINGS`).not.toContain(name);
      expect(reason.length, `reason for ${name}`).toBeGreaterThan(20);
    }
  });

  it('every setting the code reads (except local-only ones) is set on the Function App', () => {
    const bicep = bicepAppSettings();
    const missing = codeSettings.filter((name) => !(name in LOCAL_ONLY_SETTINGS) && !bicep.has(name));
    expect(missing, 'settings read by shared/config/settings.ts but missing from bicep/modules/functionapp.bicep').toEqual([]);
  });

  it('every setting on the Function App is read by the code or is a documented Azure-only setting', () => {
    const unexplained = [...bicepAppSettings().keys()].filter((name) => !codeSettings.includes(name) && !(name in AZURE_ONLY_SETTINGS));
    expect(unexplained, 'settings in bicep/modules/functionapp.bicep that nothing reads').toEqual([]);
  });

  it('local-only settings are not set in Azure', () => {
    const present = Object.keys(LOCAL_ONLY_SETTINGS).filter((name) => bicepAppSettings().has(name));
    expect(present, 'local-only settings found in bicep/modules/functionapp.bicep').toEqual([]);
  });

  it('the settings are applied to the site', () => {
    const [site] = resourcesOfType('Microsoft.Web/sites');
    expect(site!.text('properties.siteConfig.appSettings')?.replace(/\s+/g, ' ')).toBe(
      '[for setting in items(appSettings): { name: setting.key, value: setting.value }]',
    );
  });

  it('connections are identity-based and use the function identity', () => {
    const settings = bicepAppSettings();
    const text = (name: string) => sourceText(functionApp(), settings.get(name)!);
    expect(text('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
    expect(text(`${SERVICE_BUS_CONNECTION}__credential`)).toBe("'managedidentity'");
    for (const name of ['AzureWebJobsStorage__clientId', `${SERVICE_BUS_CONNECTION}__clientId`, SETTING.managedIdentityClientId]) {
      expect(text(name), name).toBe('identityClientId');
    }
    expect(text(SETTING.serviceBusNamespace)).toBe('serviceBusFullyQualifiedNamespace');
    expect(text(SETTING.cosmosEndpoint)).toBe('cosmosEndpoint');
    expect(text(SETTING.appInsightsConnectionString)).toBe('appInsights.properties.ConnectionString');
    expect(text(SETTING.authIssuer)).toMatch(/v2\.0'$/);
    expect(text(SETTING.authJwksUri)).toMatch(/discovery\/v2\.0\/keys'$/);
  });

  it('CURSOR_KEYS is a Key Vault reference to a secret by name, on the vault the function identity reads', () => {
    const settings = bicepAppSettings();
    expect(sourceText(functionApp(), settings.get(SETTING.cursorKeys)!)).toBe("'@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${cursorKeysSecretName}/)'");
    expect(paramDefault(functionApp(), 'cursorKeysSecretName')).toBe('cursor-keys');
    expect(paramDefault(mainFile(), 'cursorKeysSecretName')).toBe('cursor-keys');
    const [site] = resourcesOfType('Microsoft.Web/sites');
    expect(site!.text('properties.keyVaultReferenceIdentity'), 'references resolve as the function identity').toBe('identityId');
    const functionModule = findStatement(mainFile(), 'module', 'functionApp')!;
    expect(sourceText(mainFile(), functionModule.value)).toContain('keyVaultUri: keyVault.outputs.uri');
  });

  it('schedules default to SCHEDULE_DEFAULTS, in the module and in main.bicep', () => {
    const settings = bicepAppSettings();
    const scheduleParams = {
      [SETTING.overdueScanSchedule]: 'overdueScanSchedule',
      [SETTING.outboxRelaySchedule]: 'outboxRelaySchedule',
      [SETTING.overdueDigestSchedule]: 'overdueDigestSchedule',
      [SETTING.countersReconcileSchedule]: 'countersReconcileSchedule',
    };
    for (const [setting, param] of Object.entries(scheduleParams)) {
      expect(referencedNames(settings.get(setting)!), setting).toEqual([param]);
      expect(paramDefault(functionApp(), param), `functionapp.bicep ${param}`).toBe(SCHEDULE_DEFAULTS[setting as keyof typeof SCHEDULE_DEFAULTS]);
      expect(paramDefault(mainFile(), param), `main.bicep ${param}`).toBe(SCHEDULE_DEFAULTS[setting as keyof typeof SCHEDULE_DEFAULTS]);
    }
  });

  it('Notify: the API key is a Key Vault secret named by a setting, never a value in the templates; templates and link come from parameters', () => {
    const settings = bicepAppSettings();
    const text = (name: string) => sourceText(functionApp(), settings.get(name)!);
    expect(text(SETTING.keyVaultUri)).toBe('keyVaultUri');
    expect(text(SETTING.notifyApiKeySecretName)).toBe('notifyApiKeySecretName');
    expect(text(SETTING.notifyBaseUrl)).toBe('notifyBaseUrl');
    expect(paramDefault(mainFile(), 'notifyBaseUrl')).toBe(NOTIFY_PRODUCTION_URL);
    expect(paramDefault(mainFile(), 'notifyApiKeySecretName')).toMatch(/^[A-Za-z0-9-]{1,127}$/);
    for (const name of [SETTING.notifyTemplateTaskAssigned, SETTING.notifyTemplateTaskReassigned, SETTING.notifyTemplateTaskCancelled, SETTING.notifyTemplateOverdueDigest, SETTING.notifyTemplateBulkReassignment]) {
      expect(text(name), name).toMatch(/^notifyTemplateIds\.\w+$/);
    }
    expect(text(SETTING.taskLinkBaseUrl)).toBe('taskLinkBaseUrl');
    // main.bicep hands the module the vault's URI, and no template anywhere creates a secret (which would hold a value).
    expect(sourceText(mainFile(), findStatement(mainFile(), 'module', 'functionApp')!.value)).toContain('keyVaultUri: keyVault.outputs.uri');
    expect(resourcesOfType('Microsoft.KeyVault/vaults/secrets')).toEqual([]);
  });

  it('the database name defaults to COSMOS_DATABASE_DEFAULT', () => {
    expect(paramDefault(mainFile(), 'cosmosDatabaseName')).toBe(COSMOS_DATABASE_DEFAULT);
  });
});

describe('Function App hosting and hardening', () => {
  it('runs on Flex Consumption, Linux, Node 22, as the user-assigned identity', () => {
    const [plan] = resourcesOfType('Microsoft.Web/serverfarms');
    expect(plan!.value('sku')).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(plan!.value('properties.reserved')).toBe(true);
    const [site] = resourcesOfType('Microsoft.Web/sites');
    expect(site!.value('kind')).toBe('functionapp,linux');
    expect(site!.value('properties.functionAppConfig.runtime')).toEqual({ name: 'node', version: '22' });
    expect(site!.value('identity.type')).toBe('UserAssigned');
    expect(site!.value('properties.functionAppConfig.deployment.storage.type')).toBe('blobContainer');
    expect(site!.value('properties.functionAppConfig.deployment.storage.authentication.type')).toBe('UserAssignedIdentity');
  });

  it('HTTPS only, TLS 1.2, no FTP, no basic-auth publishing', () => {
    const [site] = resourcesOfType('Microsoft.Web/sites');
    expect(site!.value('properties.httpsOnly')).toBe(true);
    expect(site!.value('properties.siteConfig.minTlsVersion')).toBe('1.2');
    expect(site!.value('properties.siteConfig.scmMinTlsVersion')).toBe('1.2');
    expect(site!.value('properties.siteConfig.ftpsState')).toBe('Disabled');
    const policies = resourcesOfType('Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map((p) => [p.value('name'), p.value('properties.allow')]).sort()).toEqual([
      ['ftp', false],
      ['scm', false],
    ]);
  });

  it('inbound: the main site denies all public traffic; API Management comes in through a private endpoint', () => {
    const [site] = resourcesOfType('Microsoft.Web/sites');
    expect(site!.value('properties.siteConfig.ipSecurityRestrictionsDefaultAction')).toBe('Deny');
    expect(site!.value('properties.siteConfig.ipSecurityRestrictions')).toEqual([]);
    const endpoint = resourcesOfType('Microsoft.Network/privateEndpoints').find((p) => p.text('properties.privateLinkServiceConnections')?.includes('site.id'));
    expect(endpoint, 'a private endpoint to the Function App').toBeDefined();
    expect(endpoint!.text('properties.privateLinkServiceConnections')).toContain("groupIds: ['sites']");
    const [apim] = resourcesOfType('Microsoft.ApiManagement/service');
    expect(apim!.value('properties.virtualNetworkType')).toBe('External');
    expect(apim!.text('properties.virtualNetworkConfiguration.subnetResourceId')).toBe('integrationSubnetId');
  });
});
