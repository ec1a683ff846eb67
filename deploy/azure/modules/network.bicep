// The private network: the Container Apps environment, PostgreSQL (VNet-integrated, no public
// endpoint) and the private endpoints of Redis and Cosmos DB live in it.

param location string
param tags object
param vnetName string
param postgresServerName string
param deployCosmos bool

@description('Address space of the VNet; the subnets below are carved out of it.')
param addressPrefix string = '10.40.0.0/16'

var appsSubnetPrefix = cidrSubnet(addressPrefix, 23, 0) // 10.40.0.0/23: Container Apps
var postgresSubnetPrefix = cidrSubnet(addressPrefix, 24, 2) // 10.40.2.0/24: PostgreSQL
var endpointsSubnetPrefix = cidrSubnet(addressPrefix, 24, 3) // 10.40.3.0/24: private endpoints

resource vnet 'Microsoft.Network/virtualNetworks@2023-11-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [addressPrefix]
    }
    subnets: [
      {
        // A workload-profiles environment needs a subnet of /27 or more, delegated to it.
        name: 'snet-apps'
        properties: {
          addressPrefix: appsSubnetPrefix
          delegations: [
            {
              name: 'containerapps'
              properties: { serviceName: 'Microsoft.App/environments' }
            }
          ]
        }
      }
      {
        name: 'snet-postgres'
        properties: {
          addressPrefix: postgresSubnetPrefix
          delegations: [
            {
              name: 'postgres'
              properties: { serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers' }
            }
          ]
        }
      }
      {
        name: 'snet-private-endpoints'
        properties: {
          addressPrefix: endpointsSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

// Name resolution of the private servers from inside the VNet.
var zoneNames = concat(
  [
    '${postgresServerName}.private.postgres.database.azure.com'
    'privatelink.redis.cache.windows.net'
  ],
  deployCosmos ? ['privatelink.documents.azure.com'] : []
)

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [
  for zone in zoneNames: {
    name: zone
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [
  for (zone, i) in zoneNames: {
    parent: zones[i]
    name: '${vnetName}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: { id: vnet.id }
    }
  }
]

// A module's outputs are available only once all of it is deployed, links included: a server
// that takes a zone id from here is created after its zone resolves in the VNet.
output vnetId string = vnet.id
output appsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'snet-apps')
output postgresSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'snet-postgres')
output endpointsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'snet-private-endpoints')
output postgresDnsZoneId string = zones[0].id
output redisDnsZoneId string = zones[1].id
output cosmosDnsZoneId string = deployCosmos ? resourceId('Microsoft.Network/privateDnsZones', 'privatelink.documents.azure.com') : ''
