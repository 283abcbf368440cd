// Development: serverless Cosmos, Standard Service Bus, smallest settings.
// az deployment sub create --location uksouth --template-file bicep/main.bicep --parameters bicep/env/dev.bicepparam
using '../main.bicep'

param environmentName = 'dev'
param location = 'uksouth'
param tags = {
  environment: 'dev'
  service: 'caseload'
  owner: 'hmcts-caseload'
}
param authAudience = readEnvironmentVariable('CASELOAD_API_AUDIENCE')
param docsClientId = readEnvironmentVariable('CASELOAD_DOCS_CLIENT_ID', '')
param apimPublisherEmail = readEnvironmentVariable('CASELOAD_APIM_PUBLISHER_EMAIL')
param alertEmails = [readEnvironmentVariable('CASELOAD_ALERT_EMAIL', '')]
param corsAllowedOrigins = ['http://localhost:5173']

param cosmosThroughputMode = 'serverless'
param cosmosBackupTier = 'Continuous7Days'
param serviceBusSku = 'Standard'
param functionMaximumInstanceCount = 10
param logRetentionInDays = 30

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
