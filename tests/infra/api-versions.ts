/**
 * Every resource type and API version the templates use, and where it was checked. All are
 * generally available (no -preview). Checked against the generated Bicep type definitions in
 * github.com/Azure/bicep-types-az (generated/<provider>/<namespace>/<version>/types.md, snapshot of
 * 2026-08-20): the resource exists at that version and every property the templates set is in its
 * schema. docs/adr/0003-infrastructure.md records the same table.
 */
export const VERIFIED_API_VERSIONS: Readonly<Record<string, string>> = {
  'Microsoft.Resources/resourceGroups': '2024-11-01',
  'Microsoft.OperationalInsights/workspaces': '2025-02-01',
  'Microsoft.Insights/components': '2020-02-02',
  'Microsoft.Insights/workbooks': '2023-06-01',
  'Microsoft.Insights/scheduledQueryRules': '2023-12-01',
  'Microsoft.Insights/metricAlerts': '2018-03-01',
  'Microsoft.Insights/actionGroups': '2023-01-01',
  'Microsoft.ManagedIdentity/userAssignedIdentities': '2024-11-30',
  'Microsoft.Storage/storageAccounts': '2025-01-01',
  'Microsoft.Storage/storageAccounts/blobServices': '2025-01-01',
  'Microsoft.Storage/storageAccounts/blobServices/containers': '2025-01-01',
  'Microsoft.Network/virtualNetworks': '2024-05-01',
  'Microsoft.Network/networkSecurityGroups': '2024-05-01',
  'Microsoft.Network/privateEndpoints': '2024-05-01',
  'Microsoft.Network/privateEndpoints/privateDnsZoneGroups': '2024-05-01',
  'Microsoft.Network/privateDnsZones': '2024-06-01',
  'Microsoft.Network/privateDnsZones/virtualNetworkLinks': '2024-06-01',
  'Microsoft.Web/serverfarms': '2024-11-01',
  'Microsoft.Web/sites': '2024-11-01',
  'Microsoft.Web/sites/basicPublishingCredentialsPolicies': '2024-11-01',
  'Microsoft.DocumentDB/databaseAccounts': '2025-04-15',
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases': '2025-04-15',
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers': '2025-04-15',
  'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments': '2025-04-15',
  'Microsoft.ServiceBus/namespaces': '2024-01-01',
  'Microsoft.ServiceBus/namespaces/topics': '2024-01-01',
  'Microsoft.ServiceBus/namespaces/topics/subscriptions': '2024-01-01',
  'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules': '2024-01-01',
  'Microsoft.ServiceBus/namespaces/queues': '2024-01-01',
  'Microsoft.KeyVault/vaults': '2024-11-01',
  'Microsoft.ApiManagement/service': '2024-05-01',
  'Microsoft.ApiManagement/service/namedValues': '2024-05-01',
  'Microsoft.ApiManagement/service/backends': '2024-05-01',
  'Microsoft.ApiManagement/service/apis': '2024-05-01',
  'Microsoft.ApiManagement/service/apis/policies': '2024-05-01',
  'Microsoft.ApiManagement/service/products': '2024-05-01',
  'Microsoft.ApiManagement/service/products/apis': '2024-05-01',
  'Microsoft.ApiManagement/service/products/policies': '2024-05-01',
  'Microsoft.ApiManagement/service/subscriptions': '2024-05-01',
  'Microsoft.Authorization/roleAssignments': '2022-04-01',
  // Added with the attachments (bicep/modules/attachments.bicep); checked in the same repository's
  // generated/storage/microsoft.storage/2025-01-01, generated/authorization/… and
  // generated/security/microsoft.security/2025-01-01/types.md (isEnabled, malwareScanning.onUpload
  // {isEnabled, capGBPerMonth}, sensitiveDataDiscovery, overrideSubscriptionLevelSettings).
  'Microsoft.Storage/storageAccounts/managementPolicies': '2025-01-01',
  'Microsoft.Authorization/roleDefinitions': '2022-04-01',
  'Microsoft.Security/defenderForStorageSettings': '2025-01-01',
};
