// The Function App on Flex Consumption (Linux, Node 22), running as the user-assigned identity.
// Every app setting the code reads (shared/config/settings.ts SETTING) is set here, plus the
// Azure-only settings the Functions host and extensions need for identity-based connections
// (tests/infra/app-settings.ts classifies every name and says why).
//
// Inbound: the main site accepts no public traffic at all (access restrictions default to Deny
// with no allow rule); API Management reaches it through the private endpoint below. The scm
// (deployment) site stays reachable for `azd deploy` with Entra ID only, since basic publishing
// credentials are disabled; restrict it to known ranges with deploymentAllowedIpRanges.
//
// Outbound: regional VNet integration (virtualNetworkSubnetId, a subnet delegated to
// Microsoft.App/environments, network.bicep). On Flex Consumption all outbound traffic then goes
// through the VNet without a route-all setting, and names resolve through the private DNS zones
// linked to it: the Key Vault (and the Key Vault references below) over its private endpoint;
// Cosmos DB, Service Bus, storage and Entra ID over their public endpoints.

param location string
param tags object
param names object

@description('azd service name; azd finds the app to deploy by the azd-service-name tag.')
param serviceName string = 'api'

param identityId string
param identityClientId string
param identityPrincipalId string

param storageAccountName string
param deploymentContainerName string

param appInsightsName string

param cosmosEndpoint string
param cosmosDatabaseName string
param serviceBusFullyQualifiedNamespace string

@description('Key Vault URI (https://<vault>.vault.azure.net/): for the Key Vault references below, and the vault the app reads the Notify API key from.')
param keyVaultUri string
@description('Name of the Key Vault secret holding CURSOR_KEYS (comma-separated keys, current first). The secret itself is created by an operator (docs/deploy.md), never by a template.')
param cursorKeysSecretName string = 'cursor-keys'

@description('Entra ID tenant whose tokens the API accepts.')
param tenantId string
@description('Token audience: the API app registration\'s client id (or its Application ID URI).')
param authAudience string
@description('Client id the docs page signs in with (Entra ID, authorization code with PKCE); empty: no sign-in offered.')
param docsClientId string = ''

@description('NCrontab schedule of overdue-scan; the default is SCHEDULE_DEFAULTS in shared/config/settings.ts.')
param overdueScanSchedule string = '0 */5 * * * *'
@description('NCrontab schedule of outbox-relay; the default is SCHEDULE_DEFAULTS in shared/config/settings.ts.')
param outboxRelaySchedule string = '*/30 * * * * *'
@description('NCrontab schedule of task-counters-reconcile; the default is SCHEDULE_DEFAULTS in shared/config/settings.ts.')
param countersReconcileSchedule string = '0 30 3 * * *'

@description('Build identifier reported by /version (e.g. the git commit); empty leaves it unset.')
param appVersion string = ''

@description('NCrontab schedule of notifications-digest (managers\' daily overdue digest); the default is SCHEDULE_DEFAULTS in shared/config/settings.ts.')
param overdueDigestSchedule string = '0 0 7 * * *'
@description('GOV.UK Notify API base URL.')
param notifyBaseUrl string = 'https://api.notifications.service.gov.uk'
@description('Name of the Key Vault secret holding the Notify API key (the value is set by an operator, never here).')
param notifyApiKeySecretName string
@description('Notify email template ids, one per kind of notification (docs/notifications.md); all empty leaves notifications off.')
param notifyTemplateIds object = {
  taskAssigned: ''
  taskReassigned: ''
  taskCancelled: ''
  overdueDigest: ''
  bulkReassignment: ''
}
@description('Where the caseworker UI opens a task: an email\'s link is <this>/<task id>. Empty (with the templates) leaves notifications off.')
param taskLinkBaseUrl string = ''

@description('Client id of the app registration the operations console (/api/console) signs in with: a single-page application whose redirect URI is https://<gateway>/api/console. Empty: console sign-in is not configured.')
param consoleClientId string = ''

@description('Memory per instance (MB): 512, 2048 or 4096.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048
@description('Upper bound on scale-out.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Subnet for the private endpoint API Management uses.')
param privateEndpointSubnetId string
@description('privatelink.azurewebsites.net zone id.')
param privateDnsZoneId string

@description('Outbound VNet integration subnet (delegated to Microsoft.App/environments, as Flex Consumption requires).')
param virtualNetworkSubnetId string

@description('CIDR ranges allowed to reach the scm (deployment) site. Empty: any source, Entra ID authentication still required.')
param deploymentAllowedIpRanges array = []

@description('Blob endpoint of the attachments\' storage account (https://<account>.blob.core.windows.net/).')
param attachmentsBlobEndpoint string
@description('Seconds an upload URL (SAS) stays valid.')
param attachmentUploadUrlSeconds int = 600
@description('Seconds a download URL (SAS) stays valid.')
param attachmentDownloadUrlSeconds int = 300
@allowed(['off', 'defender'])
@description('defender: offer a file only once Defender for Storage has tagged it clean (attachments.bicep malwareScanning).')
param attachmentsMalwareScanning string = 'off'
param notesAttachmentsSweepSchedule string = '0 * * * * *'

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

var loginEndpoint = environment().authentication.loginEndpoint

// Setting name -> value. Names are checked against SETTING by tests/infra.
var appSettings = {
  // Host storage through the identity (no connection string, no key).
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Telemetry: the connection string is read from the component at deployment; the host sends
  // with Entra ID (the identity has Monitoring Metrics Publisher on the component).
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // Cosmos DB through the identity (data-plane RBAC; the account has key auth disabled).
  CosmosDb__accountEndpoint: cosmosEndpoint
  COSMOS_DATABASE: cosmosDatabaseName
  // Tokens: Entra ID v2 issuer and keys of the tenant.
  AUTH_ISSUER: '${loginEndpoint}${tenantId}/v2.0'
  AUTH_AUDIENCE: authAudience
  AUTH_JWKS_URI: '${loginEndpoint}${tenantId}/discovery/v2.0/keys'
  // Browser sign-in (the docs page): the tenant's v2.0 endpoints, named in the served OpenAPI document.
  AUTH_AUTHORIZATION_URL: '${loginEndpoint}${tenantId}/oauth2/v2.0/authorize'
  AUTH_TOKEN_URL: '${loginEndpoint}${tenantId}/oauth2/v2.0/token'
  DOCS_OAUTH_CLIENT_ID: docsClientId
  // DefaultAzureCredential picks the user-assigned identity by this client id.
  AZURE_CLIENT_ID: identityClientId
  APP_VERSION: appVersion
  // The Service Bus triggers and the SDK share one identity-based connection.
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  OVERDUE_SCAN_SCHEDULE: overdueScanSchedule
  OUTBOX_RELAY_SCHEDULE: outboxRelaySchedule
  // A Key Vault reference: the platform resolves it with keyVaultReferenceIdentity (the function
  // identity, Key Vault Secrets User on the vault). No version: the latest one is used, so a
  // rotation is a new secret version (docs/deploy.md). Unresolved, the app refuses to start.
  CURSOR_KEYS: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${cursorKeysSecretName}/)'
  OVERDUE_DIGEST_SCHEDULE: overdueDigestSchedule
  // GOV.UK Notify: the API key is a Key Vault secret read with the identity; only its name is a setting.
  NOTIFY_BASE_URL: notifyBaseUrl
  KEY_VAULT_URI: keyVaultUri
  NOTIFY_API_KEY_SECRET_NAME: notifyApiKeySecretName
  NOTIFY_TEMPLATE_TASK_ASSIGNED: notifyTemplateIds.taskAssigned
  NOTIFY_TEMPLATE_TASK_REASSIGNED: notifyTemplateIds.taskReassigned
  NOTIFY_TEMPLATE_TASK_CANCELLED: notifyTemplateIds.taskCancelled
  NOTIFY_TEMPLATE_OVERDUE_DIGEST: notifyTemplateIds.overdueDigest
  NOTIFY_TEMPLATE_BULK_REASSIGNMENT: notifyTemplateIds.bulkReassignment
  TASK_LINK_BASE_URL: taskLinkBaseUrl
  CONSOLE_CLIENT_ID: consoleClientId
  COUNTERS_RECONCILE_SCHEDULE: countersReconcileSchedule
  // Attachments: their own storage account, through the identity (user delegation SAS; no key exists).
  AttachmentsStorage__blobServiceUri: attachmentsBlobEndpoint
  ATTACHMENT_UPLOAD_URL_SECONDS: string(attachmentUploadUrlSeconds)
  ATTACHMENT_DOWNLOAD_URL_SECONDS: string(attachmentDownloadUrlSeconds)
  ATTACHMENTS_MALWARE_SCANNING: attachmentsMalwareScanning
  NOTES_ATTACHMENTS_SWEEP_SCHEDULE: notesAttachmentsSweepSchedule
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: names.plan
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: names.functionApp
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    keyVaultReferenceIdentity: identityId
    // Outbound VNet integration; Flex Consumption routes all outbound traffic through it.
    virtualNetworkSubnetId: virtualNetworkSubnetId
    // Public network access stays on only so that the scm site can take deployments; the main
    // site's access restrictions below deny every public request.
    publicNetworkAccess: 'Enabled'
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // Main site: nothing public gets in; the private endpoint is not subject to these rules.
      ipSecurityRestrictionsDefaultAction: 'Deny'
      ipSecurityRestrictions: []
      scmIpSecurityRestrictionsUseMain: false
      scmIpSecurityRestrictionsDefaultAction: empty(deploymentAllowedIpRanges) ? 'Allow' : 'Deny'
      scmIpSecurityRestrictions: [
        for (range, i) in deploymentAllowedIpRanges: {
          name: 'deploy-${i}'
          action: 'Allow'
          ipAddress: range
          priority: 100 + i
        }
      ]
      appSettings: [for setting in items(appSettings): { name: setting.key, value: setting.value }]
    }
  }
}

// No FTP and no basic-auth publishing: deployments authenticate with Entra ID.
resource ftpPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource scmPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: names.functionPrivateEndpoint
  location: location
  tags: tags
  properties: {
    subnet: { id: privateEndpointSubnetId }
    privateLinkServiceConnections: [
      {
        name: names.functionPrivateEndpoint
        properties: {
          privateLinkServiceId: site.id
          groupIds: ['sites']
        }
      }
    ]
  }
}

resource privateDnsGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: privateEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'sites'
        properties: { privateDnsZoneId: privateDnsZoneId }
      }
    ]
  }
}

// Entra-authenticated telemetry ingestion (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identityPrincipalId, monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = site.name
output id string = site.id
output defaultHostName string = site.properties.defaultHostName
