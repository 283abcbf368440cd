// Production: autoscale Cosmos with 30-day point-in-time restore and zone redundancy, Premium
// Service Bus, zone-redundant storage, Key Vault closed to the public internet. The app reads its
// secrets (cursor-keys, a Key Vault reference) over the vault's private endpoint through its VNet
// integration; an operator sets them as docs/deploy.md describes (Secrets in a closed vault).
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
param functionInstanceMemoryMB = 2048
param functionMaximumInstanceCount = 100
param apimCapacity = 1
param logRetentionInDays = 90
