// The private paths in and out of the Function App.
// In, from API Management:
//   - a subnet delegated to Microsoft.Web/serverFarms for APIM Standard v2 outbound VNet
//     integration (the documented requirement: dedicated, /27 or larger, NSG attached);
//   - a subnet for the private endpoints (the Function App's, the Key Vault's);
//   - the privatelink.azurewebsites.net zone linked to the VNet, so APIM resolves the app's host
//     name to the private endpoint.
//   The Function App itself denies all public traffic to its main site (see functionapp.bicep).
// Out, from the Function App:
//   - a subnet delegated to Microsoft.App/environments, the delegation Flex Consumption requires
//     for its outbound VNet integration (dedicated to it: no private endpoints, no other
//     delegation; no underscore in its name; /27 recommended for one app);
//   - the privatelink.vaultcore.azure.net zone linked to the VNet, so the app (and the platform
//     resolving its Key Vault references) reaches the vault through its private endpoint;
//   - the privatelink.blob.core.windows.net zone linked to the VNet, so the app reaches the
//     attachments' storage account through its private endpoint (attachments.bicep).

param location string
param tags object
param names object

@description('Address space of the VNet.')
param addressPrefix string = '10.60.0.0/22'
@description('APIM integration subnet (/27 minimum, /24 recommended).')
param apimSubnetPrefix string = '10.60.0.0/24'
@description('Private endpoint subnet.')
param privateEndpointSubnetPrefix string = '10.60.1.0/24'
@description('Function App (Flex Consumption) outbound integration subnet: /27 is the documented size for one app, whatever its scale-out.')
param functionSubnetPrefix string = '10.60.2.0/27'

// APIM's integration subnet must have an NSG; no specific rule is required for outbound
// integration, so the default rules apply.
resource apimNsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: names.apimSubnetNsg
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource privateEndpointNsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: names.privateEndpointSubnetNsg
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

// The Flex Consumption integration subnet: outbound only, so inbound rules would never apply; the
// default rules allow traffic to the VNet (the private endpoints) and to the internet (Cosmos DB,
// Service Bus, storage and Entra ID are still reached on their public endpoints).
resource functionNsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: names.functionSubnetNsg
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: names.virtualNetwork
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: names.apimSubnet
        properties: {
          addressPrefix: apimSubnetPrefix
          networkSecurityGroup: { id: apimNsg.id }
          delegations: [
            {
              name: 'apim-vnet-integration'
              properties: { serviceName: 'Microsoft.Web/serverFarms' }
            }
          ]
        }
      }
      {
        name: names.privateEndpointSubnet
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          networkSecurityGroup: { id: privateEndpointNsg.id }
          privateEndpointNetworkPolicies: 'Enabled'
        }
      }
      {
        name: names.functionSubnet
        properties: {
          addressPrefix: functionSubnetPrefix
          networkSecurityGroup: { id: functionNsg.id }
          delegations: [
            {
              name: 'flex-vnet-integration'
              properties: { serviceName: 'Microsoft.App/environments' }
            }
          ]
        }
      }
    ]
  }
}

// Private DNS zones are global resources by design (location 'global'); they hold only the
// private endpoint's A record.
resource functionDnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: names.functionPrivateDnsZone
  location: 'global'
  tags: tags
}

resource functionDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: functionDnsZone
  name: names.functionPrivateDnsLink
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}

resource keyVaultDnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: names.keyVaultPrivateDnsZone
  location: 'global'
  tags: tags
}

resource keyVaultDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: keyVaultDnsZone
  name: names.keyVaultPrivateDnsLink
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}

resource blobDnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: names.blobPrivateDnsZone
  location: 'global'
  tags: tags
}

resource blobDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: blobDnsZone
  name: names.blobPrivateDnsLink
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}

output vnetId string = vnet.id
output apimSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, names.apimSubnet)
output privateEndpointSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, names.privateEndpointSubnet)
output functionSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, names.functionSubnet)
output functionDnsZoneId string = functionDnsZone.id
output keyVaultDnsZoneId string = keyVaultDnsZone.id
output blobDnsZoneId string = blobDnsZone.id
