// Task attachments: a storage account of their own, apart from the host's (AzureWebJobsStorage),
// holding one private container. Clients upload and download straight to and from it with
// short-lived SAS URLs the app signs with a user delegation key; the bytes never pass through the
// Function App (docs/attachments.md).
//
// - No shared keys at all (allowSharedKeyAccess false): every SAS is a user delegation SAS, which can
//   do no more than the identity that obtained its key.
// - The function identity: Storage Blob Delegator on the account (to get user delegation keys) and
//   Storage Blob Data Contributor on the attachments container only; with malware scanning on, also a
//   custom role that reads blob index tags (where Defender writes its verdict) on that container.
// - Soft delete for blobs and containers, and a lifecycle rule: uploads never completed go after a
//   day (the app's sweep removes them sooner), checked files move to the cool tier after 180 days.
// - CORS for the gateway's origins (the browser PUTs and GETs the SAS URLs itself).
// - Network: a private endpoint (groupId 'blob', zone privatelink.blob.core.windows.net, linked in
//   network.bicep), so the app reaches the account privately through its VNet integration, as it
//   reaches Key Vault. The public endpoint is where clients' browsers upload and download: it stays
//   Enabled unless every client comes through a private network; allowedIpRanges narrows it to the
//   clients' networks.
// - Microsoft Defender for Storage malware scanning on upload when malwareScanning is true (the app
//   setting ATTACHMENTS_MALWARE_SCANNING follows it): verdicts go to the blobs' index tags.

param location string
param tags object
param names object

@allowed(['Standard_LRS', 'Standard_ZRS'])
param skuName string = 'Standard_LRS'

@description('Principal id of the function identity.')
param functionPrincipalId string

@description('Browser origins allowed to PUT and GET the SAS URLs (the gateway\'s CORS origins). Empty: no CORS rule.')
param corsAllowedOrigins array = []

@allowed(['Enabled', 'Disabled'])
@description('Public endpoint of the account, where clients upload and download. Disabled only when every client reaches it privately.')
param publicNetworkAccess string = 'Enabled'

@description('Public IPv4 addresses or CIDR ranges admitted to the public endpoint (the clients\' networks). Empty: no IP rule.')
param allowedIpRanges array = []

@description('Subnet for the account\'s private endpoint.')
param privateEndpointSubnetId string
@description('privatelink.blob.core.windows.net zone id.')
param privateDnsZoneId string

@description('Turn on Microsoft Defender for Storage malware scanning on upload for this account.')
param malwareScanning bool = false
@description('Most GB scanned per month (-1: no cap).')
param malwareScanningCapGBPerMonth int = 1000

@minValue(7)
@maxValue(365)
@description('Days deleted blobs and containers are kept (soft delete).')
param softDeleteDays int = 30

// Built-in roles, by the id Azure gives them.
var storageBlobDelegator = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: names.attachmentsStorage
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: skuName }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: publicNetworkAccess == 'Disabled' || !empty(allowedIpRanges) ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      ipRules: [for range in allowedIpRanges: { value: range, action: 'Allow' }]
      virtualNetworkRules: []
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: softDeleteDays }
    containerDeleteRetentionPolicy: { enabled: true, days: softDeleteDays }
    cors: {
      corsRules: empty(corsAllowedOrigins)
        ? []
        : [
            {
              allowedOrigins: corsAllowedOrigins
              allowedMethods: ['GET', 'HEAD', 'PUT', 'OPTIONS']
              allowedHeaders: ['content-type', 'content-length', 'x-ms-blob-type', 'x-ms-blob-content-type', 'x-ms-version', 'x-ms-date', 'x-ms-client-request-id']
              exposedHeaders: ['content-disposition', 'content-length', 'content-type', 'etag', 'x-ms-request-id']
              maxAgeInSeconds: 3600
            }
          ]
    }
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: names.attachmentsContainer
  properties: {
    publicAccess: 'None'
  }
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          // Uploads never completed: the app's sweep removes them within the hour; this is the backstop.
          name: 'delete-unfinished-uploads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['${names.attachmentsContainer}/incoming/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 1 } } }
          }
        }
        {
          // Checked files are read most in the weeks after upload.
          name: 'cool-old-files'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['${names.attachmentsContainer}/files/'] }
            actions: { baseBlob: { tierToCool: { daysAfterModificationGreaterThan: 180 } } }
          }
        }
      ]
    }
  }
}

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: names.attachmentsPrivateEndpoint
  location: location
  tags: tags
  properties: {
    subnet: { id: privateEndpointSubnetId }
    privateLinkServiceConnections: [
      {
        name: names.attachmentsPrivateEndpoint
        properties: {
          privateLinkServiceId: storage.id
          groupIds: ['blob']
        }
      }
    ]
  }
}

// The zone group writes (and removes) the account's blob A record in the private zone.
resource privateDnsGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: privateEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'blob'
        properties: { privateDnsZoneId: privateDnsZoneId }
      }
    ]
  }
}

// User delegation keys are an account-level operation: the Delegator role holds just that.
resource delegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionPrincipalId, storageBlobDelegator)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDelegator)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Read, write, delete and copy blobs: on the attachments container only.
resource contributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(container.id, functionPrincipalId, storageBlobDataContributor)
  scope: container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Reading blob index tags (Defender's verdicts) is in no built-in role short of Storage Blob Data
// Owner, so a custom role grants that one data action, on the attachments container only.
resource tagReaderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (malwareScanning) {
  name: guid(resourceGroup().id, names.attachmentsStorage, 'blob-index-tag-reader')
  properties: {
    roleName: 'Caseload blob index tag reader (${names.attachmentsStorage})'
    description: 'Reads blob index tags, where Microsoft Defender for Storage writes its malware scan results.'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/read']
        notDataActions: []
      }
    ]
    assignableScopes: [resourceGroup().id]
  }
}

resource tagReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (malwareScanning) {
  name: guid(container.id, functionPrincipalId, 'blob-index-tag-reader')
  scope: container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', tagReaderRole.name)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Scans every blob written (uploads and the app's checked copies) and writes its verdict to the
// blob's index tags ("Malware Scanning scan result"); the app reads them (notes-attachments-sweep).
resource defender 'Microsoft.Security/defenderForStorageSettings@2025-01-01' = if (malwareScanning) {
  name: 'current'
  scope: storage
  properties: {
    isEnabled: true
    overrideSubscriptionLevelSettings: true
    malwareScanning: {
      onUpload: { isEnabled: true, capGBPerMonth: malwareScanningCapGBPerMonth }
    }
    sensitiveDataDiscovery: { isEnabled: false }
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
