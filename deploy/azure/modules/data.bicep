// The data services: PostgreSQL Flexible Server (relational database and, with the "sql" store
// backend, the document store), Azure Cache for Redis (cache, sessions, Reflex state, task
// queue), the Storage account (documents, reports) and, optionally, Cosmos DB (the "cosmos"
// store backend). TLS only everywhere; the databases have no public endpoint.

param location string
param tags object

param postgresServerName string
param redisName string
param storageAccountName string
param cosmosAccountName string
param deployCosmos bool

param postgresSubnetId string
param postgresDnsZoneId string
param endpointsSubnetId string
param redisDnsZoneId string
param cosmosDnsZoneId string

param postgresAdminLogin string
@secure()
param postgresAdminPassword string
param postgresDatabaseName string
param postgresSkuName string
@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param postgresSkuTier string
param postgresStorageGb int
@allowed(['Disabled', 'SameZone', 'ZoneRedundant'])
param postgresHighAvailability string
param postgresGeoRedundantBackup bool

@allowed(['Basic', 'Standard', 'Premium'])
param redisSku string
param redisCapacity int

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS'])
param storageSku string
param blobContainerName string

param cosmosDatabaseName string
param cosmosServerless bool

// ---------------------------------------------------------------------------------------------
// PostgreSQL Flexible Server, VNet-integrated: reachable only from the VNet, TLS required
// (require_secure_transport is on by default on Flexible Server).
// ---------------------------------------------------------------------------------------------
resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: postgresServerName
  location: location
  tags: tags
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: '16'
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    authConfig: {
      passwordAuth: 'Enabled'
      activeDirectoryAuth: 'Disabled'
    }
    storage: {
      storageSizeGB: postgresStorageGb
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 14
      geoRedundantBackup: postgresGeoRedundantBackup ? 'Enabled' : 'Disabled'
    }
    highAvailability: {
      mode: postgresHighAvailability
    }
    network: {
      delegatedSubnetResourceId: postgresSubnetId
      privateDnsZoneArmResourceId: postgresDnsZoneId
      publicNetworkAccess: 'Disabled'
    }
  }
}

resource postgresDatabase 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: postgres
  name: postgresDatabaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// ---------------------------------------------------------------------------------------------
// Azure Cache for Redis: TLS port only, reached through a private endpoint.
// ---------------------------------------------------------------------------------------------
resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  name: redisName
  location: location
  tags: tags
  properties: {
    sku: {
      name: redisSku
      family: redisSku == 'Premium' ? 'P' : 'C'
      capacity: redisCapacity
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Disabled'
    redisVersion: '6'
    redisConfiguration: {
      // Evict only keys that carry a TTL (cache entries, drafts, Reflex state): the task
      // queue's messages have none, so memory pressure never silently drops a queued job.
      'maxmemory-policy': 'volatile-lru'
    }
  }
}

resource redisEndpoint 'Microsoft.Network/privateEndpoints@2023-11-01' = {
  name: 'pe-${redisName}'
  location: location
  tags: tags
  properties: {
    subnet: { id: endpointsSubnetId }
    privateLinkServiceConnections: [
      {
        name: 'redis'
        properties: {
          privateLinkServiceId: redis.id
          groupIds: ['redisCache']
        }
      }
    ]
  }
}

resource redisEndpointDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = {
  parent: redisEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'redis'
        properties: { privateDnsZoneId: redisDnsZoneId }
      }
    ]
  }
}

// ---------------------------------------------------------------------------------------------
// Storage: documents and reports in one private container. The account stays reachable from
// the internet because browsers download files straight from it through short-lived SAS links
// (signed with the account key, which is why shared-key access stays on); anonymous access is
// off and only HTTPS with TLS 1.2+ is accepted.
// ---------------------------------------------------------------------------------------------
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: storageSku }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: false
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: { enabled: true, days: 14 }
    containerDeleteRetentionPolicy: { enabled: true, days: 14 }
  }
}

resource blobContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: blobContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Storage tiers of the reference: reports go cool after 30 days; old versions (kept by
// versioning for recovery) are deleted after 30 days so they do not pile up.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'reports-to-cool'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['${blobContainerName}/reports/']
            }
            actions: {
              baseBlob: { tierToCool: { daysAfterModificationGreaterThan: 30 } }
            }
          }
        }
        {
          name: 'expire-old-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'] }
            actions: {
              version: { delete: { daysAfterCreationGreaterThan: 30 } }
            }
          }
        }
      ]
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Cosmos DB (NoSQL API), only with the "cosmos" store backend. The app creates its containers
// (partitioned by organization) itself at start, with the account key.
// ---------------------------------------------------------------------------------------------
resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = if (deployCosmos) {
  name: cosmosAccountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: cosmosServerless ? [{ name: 'EnableServerless' }] : []
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: { tier: 'Continuous30Days' }
    }
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Disabled'
    disableLocalAuth: false // the app signs in with the account key (NINEVECTORS_COSMOS_KEY)
  }
}

resource cosmosDatabase 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = if (deployCosmos) {
  parent: cosmos
  name: cosmosDatabaseName
  properties: {
    resource: { id: cosmosDatabaseName }
  }
}

resource cosmosEndpoint 'Microsoft.Network/privateEndpoints@2023-11-01' = if (deployCosmos) {
  name: 'pe-${cosmosAccountName}'
  location: location
  tags: tags
  properties: {
    subnet: { id: endpointsSubnetId }
    privateLinkServiceConnections: [
      {
        name: 'cosmos'
        properties: {
          privateLinkServiceId: cosmos.id
          groupIds: ['Sql']
        }
      }
    ]
  }
}

resource cosmosEndpointDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = if (deployCosmos) {
  parent: cosmosEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'cosmos'
        properties: { privateDnsZoneId: cosmosDnsZoneId }
      }
    ]
  }
}

output postgresFqdn string = postgres.properties.fullyQualifiedDomainName
output postgresDatabaseName string = postgresDatabase.name
output redisHostName string = redis.properties.hostName
output redisSslPort int = redis.properties.sslPort
output storageAccountName string = storage.name
output blobContainerName string = blobContainer.name
output cosmosEndpoint string = deployCosmos ? cosmos.properties.documentEndpoint : ''
output cosmosDatabaseName string = deployCosmos ? cosmosDatabase.name : ''
