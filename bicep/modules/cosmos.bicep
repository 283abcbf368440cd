// Cosmos DB for NoSQL: the account, the database and the containers the code defines
// (definitions.bicep mirrors shared/store/container-definitions.ts), with key auth disabled and a
// data-plane role assignment for the function identity.

import { containers } from 'definitions.bicep'

param location string
param tags object
param names object

@description('Database name: COSMOS_DATABASE_DEFAULT in shared/config/entities.ts unless overridden.')
param databaseName string

@description('serverless: pay per request, no throughput to manage (dev/test). autoscale: provisioned throughput shared by the containers, scaling between 10% and 100% of cosmosAutoscaleMaxThroughput (prod).')
@allowed(['serverless', 'autoscale'])
param throughputMode string = 'serverless'

@description('Maximum RU/s of the database when throughputMode is autoscale (a multiple of 1000).')
@minValue(1000)
param autoscaleMaxThroughput int = 1000

@description('Point-in-time restore window.')
@allowed(['Continuous7Days', 'Continuous30Days'])
param backupTier string = 'Continuous7Days'

@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'

@description('Zone redundancy for the single region (costs more; prod).')
param zoneRedundant bool = false

@description('Principal id of the function identity.')
param functionPrincipalId string

// Built-in data-plane role "Cosmos DB Built-in Data Contributor": read and write items, read
// metadata; no key access and no control-plane rights.
var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: names.cosmos
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: zoneRedundant
      }
    ]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    capabilities: throughputMode == 'serverless' ? [{ name: 'EnableServerless' }] : []
    // Entra ID only: keys cannot be used for data or for metadata writes.
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: publicNetworkAccess
    enableFreeTier: false
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: { tier: backupTier }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-04-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    // Serverless accounts take no throughput setting at all.
    options: throughputMode == 'autoscale' ? { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } } : {}
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = [
  for container in containers: {
    parent: database
    name: container.id
    properties: {
      resource: {
        id: container.id
        partitionKey: {
          paths: container.partitionKey.paths
          kind: 'Hash'
          version: 2
        }
        indexingPolicy: container.indexingPolicy
        // Only containers whose definition sets it expire items; null leaves TTL off.
        defaultTtl: container.?defaultTtl
      }
    }
  }
]

// Scoped to the account rather than the database: the SDK reads account metadata (regions,
// partition map) on start-up, and there is only this one database in the account.
resource functionDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, functionPrincipalId, dataContributorRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    principalId: functionPrincipalId
    scope: account.id
  }
}

output endpoint string = account.properties.documentEndpoint
output name string = account.name
output databaseName string = database.name
