// The Function App's user-assigned managed identity. User-assigned (not system-assigned) so every
// role assignment can be made before the app exists and survives the app being re-created, and so
// AZURE_CLIENT_ID / <Connection>__clientId can name it explicitly.

param location string
param tags object
param names object

resource functionIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.functionIdentity
  location: location
  tags: tags
}

output id string = functionIdentity.id
output name string = functionIdentity.name
output principalId string = functionIdentity.properties.principalId
output clientId string = functionIdentity.properties.clientId
