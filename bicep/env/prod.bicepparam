// Production: autoscale Cosmos with 30-day point-in-time restore and zone redundancy, Premium
// Service Bus, zone-redundant storage, Key Vault closed to the public internet. The app reads its
// secrets there (cursor-keys, a Key Vault reference; the Notify API key, read with its identity)
// over the vault's private endpoint through its VNet integration; an operator sets them as
// docs/deploy.md (Secrets in a closed vault) and docs/notifications.md ("Keys") describe.
// az deployment sub create --location uksouth --template-file bicep/main.bicep --parameters bicep/env/prod.bicepparam
using '../main.bicep'

param environmentName = 'prod'
param location = 'uksouth'
param tags = {
  environment: 'prod'
  service: 'caseload'
  owner: 'hmcts-caseload'
  criticality: 'high'
}
param authAudience = readEnvironmentVariable('CASELOAD_API_AUDIENCE')
param docsClientId = readEnvironmentVariable('CASELOAD_DOCS_CLIENT_ID', '')
param apimPublisherEmail = readEnvironmentVariable('CASELOAD_APIM_PUBLISHER_EMAIL')
param alertEmails = [readEnvironmentVariable('CASELOAD_ALERT_EMAIL', '')]
param corsAllowedOrigins = []
param deploymentAllowedIpRanges = []

param cosmosThroughputMode = 'autoscale'
param cosmosAutoscaleMaxThroughput = 4000
param cosmosBackupTier = 'Continuous30Days'
param cosmosZoneRedundant = true
param serviceBusSku = 'Premium'
param storageSku = 'Standard_ZRS'
param keyVaultPublicNetworkAccess = 'Disabled'
// Attachments (docs/attachments.md): uploads scanned by Defender for Storage; files offered only once clean.
param attachmentsMalwareScanning = true
param functionInstanceMemoryMB = 2048
param functionMaximumInstanceCount = 100
param apimCapacity = 1
param logRetentionInDays = 90

// GOV.UK Notify (docs/notifications.md): template ids of this environment's Notify service and the
// caseworker UI's task address. All empty leaves notifications off. The API key is a Key Vault secret.
param notifyTemplateIds = {
  taskAssigned: readEnvironmentVariable('CASELOAD_NOTIFY_TEMPLATE_TASK_ASSIGNED', '')
  taskReassigned: readEnvironmentVariable('CASELOAD_NOTIFY_TEMPLATE_TASK_REASSIGNED', '')
  taskCancelled: readEnvironmentVariable('CASELOAD_NOTIFY_TEMPLATE_TASK_CANCELLED', '')
  overdueDigest: readEnvironmentVariable('CASELOAD_NOTIFY_TEMPLATE_OVERDUE_DIGEST', '')
  bulkReassignment: readEnvironmentVariable('CASELOAD_NOTIFY_TEMPLATE_BULK_REASSIGNMENT', '')
}
param taskLinkBaseUrl = readEnvironmentVariable('CASELOAD_TASK_LINK_BASE_URL', '')
param consoleClientId = readEnvironmentVariable('CASELOAD_CONSOLE_CLIENT_ID', '')
