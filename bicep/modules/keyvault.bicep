// Key Vault for the secrets managed identity cannot replace: today one, the GOV.UK Notify API key
// (secret name: main.bicep notifyApiKeySecretName, app setting NOTIFY_API_KEY_SECRET_NAME). The
// templates never hold its value: an operator sets it (docs/notifications.md, "Keys"), and the app
// reads it with its identity (@azure/keyvault-secrets), caches it, and reads it again when Notify
// refuses it, so a rotation needs no redeploy. Every connection to Azure services stays
// identity-based. RBAC authorization, soft delete and purge protection are on; the function
// identity can read secrets and nothing else (Key Vault Secrets User).

param location string
param tags object
param names object

@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'

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
    networkAcls: {
      defaultAction: publicNetworkAccess == 'Disabled' ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
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
