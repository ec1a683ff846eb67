// Key Vault: every secret the apps use, read by the apps' managed identity (role "Key Vault
// Secrets User") through Container Apps' Key Vault references. Secrets are written here
// through the control plane, so no person or pipeline needs data-plane access to the vault.
//
// Derived secrets (connection strings with keys) are built here from the services' own keys,
// so they never travel through a parameter or an output.

param location string
param tags object
param vaultName string
param workspaceId string

@description('Principal id of the managed identity the container apps run as.')
param readerPrincipalId string

param postgresFqdn string
param postgresDatabaseName string
param postgresAdminLogin string
@secure()
param postgresAdminPassword string
param redisName string
param storageAccountName string
param cosmosAccountName string
param deployCosmos bool

@secure()
param secretKey string
@secure()
param anthropicApiKey string
@secure()
param stripeSecretKey string
@secure()
param stripeWebhookSecret string
@secure()
param smtpPassword string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6' // built-in "Key Vault Secrets User"

resource readSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, readerPrincipalId, secretsUserRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: vault
  name: 'audit-to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logs: [{ categoryGroup: 'audit', enabled: true }]
  }
}

resource redis 'Microsoft.Cache/redis@2024-03-01' existing = {
  name: redisName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' existing = if (deployCosmos) {
  name: cosmosAccountName
}

var redisKey = redis.listKeys().primaryKey

// One resource per secret (not a loop): the values hold runtime keys, and a loop's array must
// be known when the deployment starts. Passwords and keys are URL-encoded where they sit inside
// a URL (base64 keys hold '/' and '+').
resource secretKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'secret-key'
  properties: { value: secretKey, contentType: 'text/plain' }
}

resource databaseUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'database-url'
  properties: {
    value: 'postgresql+psycopg://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgresFqdn}:5432/${postgresDatabaseName}?sslmode=require'
    contentType: 'text/plain'
  }
}

resource postgresPassword 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'postgres-admin-password'
  properties: { value: postgresAdminPassword, contentType: 'text/plain' }
}

resource redisUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-url'
  properties: {
    value: 'rediss://:${uriComponent(redisKey)}@${redis.properties.hostName}:${redis.properties.sslPort}/0'
    contentType: 'text/plain'
  }
}

// The raw key too: the worker's queue-length scale rule (KEDA) authenticates with it.
resource redisPassword 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-password'
  properties: { value: redisKey, contentType: 'text/plain' }
}

resource storageConnectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'storage-connection-string'
  properties: {
    value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
    contentType: 'text/plain'
  }
}

resource cosmosKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (deployCosmos) {
  parent: vault
  name: 'cosmos-key'
  properties: {
    value: deployCosmos ? cosmos.listKeys().primaryMasterKey : ''
    contentType: 'text/plain'
  }
}

// Optional outside services: a secret exists only when its value was given (the app falls
// back to the offline coach, no billing, the in-app mail outbox).
resource anthropic 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(anthropicApiKey)) {
  parent: vault
  name: 'anthropic-api-key'
  properties: { value: anthropicApiKey, contentType: 'text/plain' }
}

resource stripe 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(stripeSecretKey)) {
  parent: vault
  name: 'stripe-secret-key'
  properties: { value: stripeSecretKey, contentType: 'text/plain' }
}

resource stripeWebhook 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(stripeWebhookSecret)) {
  parent: vault
  name: 'stripe-webhook-secret'
  properties: { value: stripeWebhookSecret, contentType: 'text/plain' }
}

resource smtp 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smtpPassword)) {
  parent: vault
  name: 'smtp-password'
  properties: { value: smtpPassword, contentType: 'text/plain' }
}

output vaultName string = vault.name
output vaultUri string = vault.properties.vaultUri
