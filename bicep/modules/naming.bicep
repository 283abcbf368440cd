// The one place where names are made. Every module receives its names from here (main.bicep
// imports these functions and passes the results down), so a naming rule changes in one file and
// tests/infra can check that no other file writes a resource name literal.
//
// Functions here call no other user-defined function, so each is self-contained.
//
// Rules: <abbreviation>-<workload>-<environment>-<token> where the service allows hyphens; the
// token (uniqueString of subscription, environment and location) keeps globally unique names
// (storage, Key Vault, Cosmos, Service Bus, APIM, function host names) from colliding.

@export()
@description('The deterministic suffix shared by every globally unique name in one environment.')
func uniqueToken(subscriptionId string, environmentName string, location string) string =>
  toLower(uniqueString(subscriptionId, environmentName, location))

@export()
@description('Names of every Azure resource, for one workload and environment.')
func resourceNames(workload string, environmentName string, token string) object => {
  resourceGroup: 'rg-${workload}-${environmentName}'
  logAnalytics: 'log-${workload}-${environmentName}-${token}'
  appInsights: 'appi-${workload}-${environmentName}-${token}'
  functionIdentity: 'id-func-${workload}-${environmentName}'
  // Storage: 3-24 lower-case letters and digits.
  storage: take('st${take(toLower(replace(replace(environmentName, '-', ''), '_', '')), 9)}${token}', 24)
  deploymentContainer: 'app-package'
  // Attachments: a storage account of their own, apart from the host's (AzureWebJobsStorage).
  attachmentsStorage: take('stf${take(toLower(replace(replace(environmentName, '-', ''), '_', '')), 8)}${token}', 24)
  // The attachments' one container (ATTACHMENTS_CONTAINER in shared/config/entities.ts).
  attachmentsContainer: 'attachments'
  attachmentsPrivateEndpoint: 'pe-stf-${workload}-${environmentName}'
  // Fixed by Azure Private Link for Blob Storage (blob); not ours to choose.
  blobPrivateDnsZone: 'privatelink.blob.core.windows.net'
  blobPrivateDnsLink: 'link-blob-${workload}-${environmentName}'
  plan: 'plan-${workload}-${environmentName}-${token}'
  functionApp: 'func-${workload}-${environmentName}-${token}'
  cosmos: 'cosmos-${workload}-${environmentName}-${token}'
  serviceBus: 'sb-${workload}-${environmentName}-${token}'
  // Key Vault: 3-24 characters, letters, digits and single hyphens.
  keyVault: take('kv-${take(toLower(replace(replace(environmentName, '-', ''), '_', '')), 7)}-${token}', 24)
  apim: 'apim-${workload}-${environmentName}-${token}'
  virtualNetwork: 'vnet-${workload}-${environmentName}'
  apimSubnet: 'snet-apim'
  privateEndpointSubnet: 'snet-private-endpoints'
  // Flex Consumption outbound integration; Flex does not accept underscores in the subnet name.
  functionSubnet: 'snet-functions'
  apimSubnetNsg: 'nsg-${workload}-${environmentName}-apim'
  privateEndpointSubnetNsg: 'nsg-${workload}-${environmentName}-pe'
  functionSubnetNsg: 'nsg-${workload}-${environmentName}-func'
  functionPrivateEndpoint: 'pe-func-${workload}-${environmentName}'
  // Fixed by Azure Private Link for App Service (sites); not ours to choose.
  functionPrivateDnsZone: 'privatelink.azurewebsites.net'
  functionPrivateDnsLink: 'link-${workload}-${environmentName}'
  keyVaultPrivateEndpoint: 'pe-kv-${workload}-${environmentName}'
  // Fixed by Azure Private Link for Key Vault (vault); not ours to choose.
  keyVaultPrivateDnsZone: 'privatelink.vaultcore.azure.net'
  keyVaultPrivateDnsLink: 'link-${workload}-${environmentName}'
  apimApi: workload
  apimBackend: '${workload}-functions'
  apimProduct: '${workload}-consumers'
  apimSubscription: '${workload}-consumers-default'
  apimTenantNamedValue: '${workload}-tenant-id'
  apimAudienceNamedValue: '${workload}-api-audience'
  actionGroup: 'ag-${workload}-${environmentName}'
  actionGroupShortName: take('${workload}${environmentName}', 12)
  // Workbooks are named by a GUID; the display name is what people see.
  workbook: guid(workload, environmentName, token, 'operations-workbook')
  workbookDisplayName: 'Caseload operations (${environmentName})'
  alert5xx: 'alert-${workload}-${environmentName}-http-5xx-rate'
  alertFunctionFailures: 'alert-${workload}-${environmentName}-function-failures'
  alertDeadLetters: 'alert-${workload}-${environmentName}-dead-letters'
  alertOverdueGrowth: 'alert-${workload}-${environmentName}-overdue-growth'
  alertNotifyAuth: 'alert-${workload}-${environmentName}-notify-auth'
  alertOutboxStuck: 'alert-${workload}-${environmentName}-outbox-stuck'
  alertAuditLag: 'alert-${workload}-${environmentName}-audit-lag'
}

// Names of data-plane entities. The application code fixes them in shared/config/entities.ts;
// these copies must stay equal (tests/infra/entities.test.ts compares them).
@export()
var entityNames = {
  containers: {
    tasks: 'tasks'
    audit: 'audit'
    users: 'users'
    locations: 'locations'
    cases: 'cases'
    operations: 'operations'
    idempotency: 'idempotency'
    notifications: 'notifications'
    counters: 'counters'
    caseCounters: 'case-counters'
    notes: 'notes'
  }
  topics: {
    taskEvents: 'task-events'
  }
  subscriptions: {
    audit: 'audit'
    notifications: 'notifications'
    counters: 'counters'
  }
  queues: {
    overdueTasks: 'overdue-tasks'
    operations: 'operations'
  }
}
