// Key Vault for the app's secrets, those managed identity cannot replace. It holds two: the cursor
// MAC keys (secret `cursor-keys`, read through a Key Vault reference in functionapp.bicep) and the
// GOV.UK Notify API key (secret name: main.bicep notifyApiKeySecretName, app setting
// NOTIFY_API_KEY_SECRET_NAME), which the app reads with its identity (@azure/keyvault-secrets),
// caches, and reads again when Notify refuses it, so a rotation needs no redeploy. An operator
// creates and rotates both (docs/deploy.md, docs/notifications.md "Keys"); no template ever holds
// a secret value. Every connection to Azure services stays identity-based. RBAC authorization,
// soft delete and purge protection are on; the function identity can read secrets and nothing
// else (Key Vault Secrets User).
//
// Network: the vault always has a private endpoint in the VNet (groupId 'vault', zone
// privatelink.vaultcore.azure.net, linked in network.bicep), and the Function App always reaches it
// through its outbound VNet integration, so the app's path is the same whether the vault's public
// endpoint is open (dev, test) or closed (prod). With publicNetworkAccess 'Disabled' only the
// private endpoint (and trusted Azure services) get in, and the firewall's IP rules are not
// honoured; with 'Enabled' and allowedIpRanges set, the public endpoint admits only those ranges.
// How an operator sets a secret in a closed vault: docs/deploy.md.

param location string
param tags object
param names object

@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'

@description('Public IPv4 addresses or CIDR ranges the vault firewall admits (networkAcls.ipRules). Empty: no IP rule (the whole internet when public access is Enabled). Only honoured while publicNetworkAccess is Enabled.')
param allowedIpRanges array = []

@description('Subnet for the vault\'s private endpoint.')
param privateEndpointSubnetId string
@description('privatelink.vaultcore.azure.net zone id.')
param privateDnsZoneId string

@description('Principal id of the function identity.')
param functionPrincipalId string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: names.keyVault
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Once on, purge protection cannot be turned off: a deleted vault (and its name) is kept for
    // the retention period. See docs/deploy.md (tear down).
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: publicNetworkAccess
    // Written in full on every deployment, so an IP rule an operator added by hand (docs/deploy.md)
    // is removed by the next deployment.
    networkAcls: {
      defaultAction: publicNetworkAccess == 'Disabled' || !empty(allowedIpRanges) ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      ipRules: [for range in allowedIpRanges: { value: range }]
      virtualNetworkRules: []
    }
  }
}

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: names.keyVaultPrivateEndpoint
  location: location
  tags: tags
  properties: {
    subnet: { id: privateEndpointSubnetId }
    privateLinkServiceConnections: [
      {
        name: names.keyVaultPrivateEndpoint
        properties: {
          privateLinkServiceId: vault.id
          groupIds: ['vault']
        }
      }
    ]
  }
}

// The zone group writes (and removes) the vault's A record in the private zone.
resource privateDnsGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: privateEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'vault'
        properties: { privateDnsZoneId: privateDnsZoneId }
      }
    ]
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, functionPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
