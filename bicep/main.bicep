// Caseload: the whole system in one resource group in UK South.
// Subscription scope, so that both `azd up` and `az deployment sub create` create the resource
// group as well (docs/deploy.md). Every name comes from modules/naming.bicep.
targetScope = 'subscription'

import { resourceNames, uniqueToken } from 'modules/naming.bicep'

@minLength(1)
@maxLength(20)
@description('Environment name (dev, test, prod, or an azd environment name). Used in resource names and the azd-env-name tag.')
param environmentName string

@description('Region of every regional resource. UK South only: HMCTS data stays in the UK.')
@allowed(['uksouth'])
@metadata({ azd: { type: 'location' } })
param location string = 'uksouth'

@description('Tags applied to every resource (azd-env-name is added).')
param tags object = {}

@description('Workload name used in resource names.')
@minLength(3)
@maxLength(12)
param workload string = 'caseload'

// --- Data ---------------------------------------------------------------------------------
@description('Cosmos DB database name (COSMOS_DATABASE_DEFAULT in shared/config/entities.ts).')
param cosmosDatabaseName string = 'caseload'
@allowed(['serverless', 'autoscale'])
param cosmosThroughputMode string = 'serverless'
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 1000
@allowed(['Continuous7Days', 'Continuous30Days'])
param cosmosBackupTier string = 'Continuous7Days'
param cosmosZoneRedundant bool = false

@allowed(['Standard', 'Premium'])
param serviceBusSku string = 'Standard'

@description('Disabled: the vault answers only on its private endpoint (the Function App reaches it through its VNet integration in every environment). docs/deploy.md says how an operator sets a secret then.')
@allowed(['Enabled', 'Disabled'])
param keyVaultPublicNetworkAccess string = 'Enabled'
@description('Public IPv4 addresses or CIDR ranges the Key Vault firewall admits while keyVaultPublicNetworkAccess is Enabled (e.g. an operator or a build agent). Ignored by Key Vault while public access is Disabled.')
param keyVaultAllowedIpRanges array = []
@description('Name of the Key Vault secret the app reads CURSOR_KEYS from; create it before the first deployment of the app (docs/deploy.md).')
param cursorKeysSecretName string = 'cursor-keys'

@allowed(['Standard_LRS', 'Standard_ZRS'])
param storageSku string = 'Standard_LRS'

// Attachments (docs/attachments.md): their own storage account.
@allowed(['Enabled', 'Disabled'])
@description('Public endpoint of the attachments account, where clients upload and download with SAS URLs.')
param attachmentsPublicNetworkAccess string = 'Enabled'
@description('Client networks (IPv4 or CIDR) admitted to the attachments account\'s public endpoint. Empty: any.')
param attachmentsAllowedIpRanges array = []
@description('Microsoft Defender for Storage malware scanning on upload for the attachments; files are then offered only once found clean.')
param attachmentsMalwareScanning bool = false
@description('Most GB Defender scans per month for the attachments (-1: no cap).')
param attachmentsMalwareScanningCapGBPerMonth int = 1000
param notesAttachmentsSweepSchedule string = '0 * * * * *'

// --- Function App -------------------------------------------------------------------------
@allowed([512, 2048, 4096])
param functionInstanceMemoryMB int = 2048
@minValue(1)
@maxValue(1000)
param functionMaximumInstanceCount int = 40
param overdueScanSchedule string = '0 */5 * * * *'
param outboxRelaySchedule string = '*/30 * * * * *'
param countersReconcileSchedule string = '0 30 3 * * *'
param appVersion string = ''
param overdueDigestSchedule string = '0 0 7 * * *'
@description('CIDR ranges allowed to reach the Function App deployment (scm) endpoint; empty = any, Entra ID still required.')
param deploymentAllowedIpRanges array = []

// --- Notifications (GOV.UK Notify; docs/notifications.md) ----------------------------------
param notifyBaseUrl string = 'https://api.notifications.service.gov.uk'
@description('Name of the Key Vault secret that holds the Notify API key. Only the name: an operator sets the value.')
param notifyApiKeySecretName string = 'notify-api-key'
@description('Notify email template ids: taskAssigned, taskReassigned, taskCancelled, overdueDigest, bulkReassignment. All empty: notifications off.')
param notifyTemplateIds object = {
  taskAssigned: ''
  taskReassigned: ''
  taskCancelled: ''
  overdueDigest: ''
  bulkReassignment: ''
}
@description('The caseworker UI\'s task address: links in emails are <this>/<task id>.')
param taskLinkBaseUrl string = ''
@description('Client id of the operations console\'s app registration (a single-page application; docs/observability.md). Empty: console sign-in off.')
param consoleClientId string = ''

// --- Identity and API gateway -------------------------------------------------------------
@description('Entra ID tenant whose tokens the API accepts (default: the deployment tenant).')
param tenantId string = tenant().tenantId
@description('Token audience: the client id of the API app registration (docs/deploy.md).')
@minLength(1)
param authAudience string
@description('Client id of the docs page\'s app registration (SPA redirect URI https://<gateway>/api/docs/oauth2-redirect.html, docs/deploy.md). Empty: the docs page offers no Entra ID sign-in.')
param docsClientId string = ''

@allowed(['StandardV2', 'PremiumV2'])
param apimSku string = 'StandardV2'
@minValue(1)
param apimCapacity int = 1
param apimPublisherEmail string
param apimPublisherName string = 'HMCTS Caseload'
param corsAllowedOrigins array = []
param rateLimitCalls int = 600
param rateLimitPeriodSeconds int = 60
param quotaCalls int = 200000
param quotaPeriodSeconds int = 604800

// --- Monitoring ---------------------------------------------------------------------------
param logRetentionInDays int = 30
param alertEmails array = []
param appInsightsDisableLocalAuth bool = false

// --- Network ------------------------------------------------------------------------------
param vnetAddressPrefix string = '10.60.0.0/22'
param apimSubnetPrefix string = '10.60.0.0/24'
param privateEndpointSubnetPrefix string = '10.60.1.0/24'
@description('Function App outbound integration subnet (Flex Consumption, delegated to Microsoft.App/environments; /27 recommended).')
param functionSubnetPrefix string = '10.60.2.0/27'

var token = uniqueToken(subscription().id, environmentName, location)
var names = resourceNames(workload, toLower(environmentName), token)
var allTags = union(tags, { 'azd-env-name': environmentName, workload: workload })

// The routes of the functions registered with authenticated: false (tests/infra keeps the two in step).
var anonymousPaths = ['v1/health', 'v1/health/ready', 'v1/version', 'openapi.json', 'docs', 'docs/{file}', 'console', 'console/{file}']
// The routes that answer without a subscription key: KEYLESS_ROUTES in shared/http/routes.ts (tests/infra keeps the two in step).
var keylessPaths = ['v1/health', 'openapi.json', 'docs', 'docs/{file}', 'console', 'console/{file}']

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: names.resourceGroup
  location: location
  tags: allTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
    retentionInDays: logRetentionInDays
    disableLocalAuth: appInsightsDisableLocalAuth
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
    addressPrefix: vnetAddressPrefix
    apimSubnetPrefix: apimSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
    functionSubnetPrefix: functionSubnetPrefix
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
    skuName: storageSku
    functionPrincipalId: identity.outputs.principalId
  }
}

module attachments 'modules/attachments.bicep' = {
  name: 'attachments'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
    skuName: storageSku
    functionPrincipalId: identity.outputs.principalId
    corsAllowedOrigins: corsAllowedOrigins
    publicNetworkAccess: attachmentsPublicNetworkAccess
    allowedIpRanges: attachmentsAllowedIpRanges
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    privateDnsZoneId: network.outputs.blobDnsZoneId
    malwareScanning: attachmentsMalwareScanning
    malwareScanningCapGBPerMonth: attachmentsMalwareScanningCapGBPerMonth
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
    databaseName: cosmosDatabaseName
    throughputMode: cosmosThroughputMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    backupTier: cosmosBackupTier
    zoneRedundant: cosmosZoneRedundant
    functionPrincipalId: identity.outputs.principalId
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
    sku: serviceBusSku
    functionPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
    publicNetworkAccess: keyVaultPublicNetworkAccess
    allowedIpRanges: keyVaultAllowedIpRanges
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    privateDnsZoneId: network.outputs.keyVaultDnsZoneId
    functionPrincipalId: identity.outputs.principalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    keyVaultUri: keyVault.outputs.uri
    cursorKeysSecretName: cursorKeysSecretName
    tenantId: tenantId
    authAudience: authAudience
    docsClientId: docsClientId
    overdueScanSchedule: overdueScanSchedule
    outboxRelaySchedule: outboxRelaySchedule
    overdueDigestSchedule: overdueDigestSchedule
    notifyBaseUrl: notifyBaseUrl
    notifyApiKeySecretName: notifyApiKeySecretName
    notifyTemplateIds: notifyTemplateIds
    taskLinkBaseUrl: taskLinkBaseUrl
    consoleClientId: consoleClientId
    countersReconcileSchedule: countersReconcileSchedule
    appVersion: appVersion
    instanceMemoryMB: functionInstanceMemoryMB
    maximumInstanceCount: functionMaximumInstanceCount
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    privateDnsZoneId: network.outputs.functionDnsZoneId
    virtualNetworkSubnetId: network.outputs.functionSubnetId
    deploymentAllowedIpRanges: deploymentAllowedIpRanges
    attachmentsBlobEndpoint: attachments.outputs.blobEndpoint
    attachmentsMalwareScanning: attachmentsMalwareScanning ? 'defender' : 'off'
    notesAttachmentsSweepSchedule: notesAttachmentsSweepSchedule
  }
}

module apim 'modules/apim.bicep' = {
  name: 'apim'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
    sku: apimSku
    capacity: apimCapacity
    publisherEmail: apimPublisherEmail
    publisherName: apimPublisherName
    integrationSubnetId: network.outputs.apimSubnetId
    functionAppName: functionApp.outputs.name
    functionAppHostName: functionApp.outputs.defaultHostName
    tenantId: tenantId
    authAudience: authAudience
    corsAllowedOrigins: corsAllowedOrigins
    anonymousPaths: anonymousPaths
    keylessPaths: keylessPaths
    rateLimitCalls: rateLimitCalls
    rateLimitPeriodSeconds: rateLimitPeriodSeconds
    quotaCalls: quotaCalls
    quotaPeriodSeconds: quotaPeriodSeconds
  }
}

module observability 'modules/observability.bicep' = {
  name: 'observability'
  scope: rg
  params: {
    location: location
    tags: allTags
    names: names
    appInsightsId: monitoring.outputs.appInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
    alertEmails: alertEmails
  }
}

// Outputs: addresses and names only; never a key, connection string or secret.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output API_GATEWAY_URL string = apim.outputs.gatewayUrl
output FUNCTION_APP_NAME string = functionApp.outputs.name
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output SERVICE_BUS_NAMESPACE_FQDN string = serviceBus.outputs.fullyQualifiedNamespace
output KEY_VAULT_NAME string = keyVault.outputs.name
output ATTACHMENTS_STORAGE_ACCOUNT string = attachments.outputs.name
