// The private path from API Management to the Function App:
//   - a subnet delegated to Microsoft.Web/serverFarms for APIM Standard v2 outbound VNet
//     integration (the documented requirement: dedicated, /27 or larger, NSG attached);
//   - a subnet for the Function App's private endpoint;
//   - the privatelink.azurewebsites.net zone linked to the VNet, so APIM resolves the app's host
//     name to the private endpoint.
// The Function App itself denies all public traffic to its main site (see functionapp.bicep).

param location string
param tags object
param names object

@description('Address space of the VNet.')
param addressPrefix string = '10.60.0.0/22'
@description('APIM integration subnet (/27 minimum, /24 recommended).')
param apimSubnetPrefix string = '10.60.0.0/24'
@description('Private endpoint subnet.')
param privateEndpointSubnetPrefix string = '10.60.1.0/24'

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

output vnetId string = vnet.id
output apimSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, names.apimSubnet)
output privateEndpointSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, names.privateEndpointSubnet)
output functionDnsZoneId string = functionDnsZone.id
