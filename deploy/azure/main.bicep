// 9Vectors on Azure: a first production, in one resource group.
//
//   az group create -n rg-ninevectors-prod -l westeurope
//   az deployment group create -g rg-ninevectors-prod \
//     -f deploy/azure/main.bicep -p deploy/azure/main.bicepparam
//
// The first deployment runs with deployApps=false (the registry is still empty); push the
// image, then deploy again with deployApps=true. Step by step: deploy/README.md.
//
// What it creates:
//   network     VNet; private DNS for PostgreSQL, Redis (and Cosmos DB)
//   monitoring  Log Analytics workspace, Application Insights (workspace-based)
//   registry    Azure Container Registry (pulled by managed identity; no admin user)
//   identity    one user-assigned identity for every app (AcrPull, Key Vault Secrets User)
//   data        PostgreSQL Flexible Server (VNet only), Azure Cache for Redis (private endpoint,
//               TLS only), Storage account + container "9vectors-storage", Cosmos DB (NoSQL
//               API, database "ninevectors") only when storeBackend == 'cosmos'
//   key vault   every secret the apps read (RBAC, soft delete, purge protection)
//   apps        Container Apps environment (in the VNet): web, worker, scheduler, migrate job

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------
@description('Short name used in every resource name (lowercase letters and digits, starting with a letter).')
@minLength(3)
@maxLength(12)
param name string = 'ninevectors'

param location string = resourceGroup().location

param tags object = {
  product: '9Vectors'
  environment: 'production'
}

@description('false on the very first deployment (the registry has no image yet): everything but the container apps.')
param deployApps bool = true

@description('Tag of the image "ninevectors" in the registry created here (CI pushes the commit sha).')
param imageTag string = 'latest'

@description('Where documents live: "sql" (PostgreSQL JSON columns) or "cosmos" (adds a Cosmos DB account).')
@allowed(['sql', 'cosmos'])
param storeBackend string = 'sql'

@description('Serverless Cosmos DB (pay per request): right for a first production; provisioned throughput later.')
param cosmosServerless bool = true

@description('Custom domain of the web app (DNS and certificate are bound separately); empty: its azurecontainerapps.io address.')
param customDomain string = ''

// Secrets. Give them from a secret store on every deployment (the .bicepparam reads them from
// the environment); they are written to Key Vault and nowhere else.
@secure()
@minLength(32)
@description('NINEVECTORS_SECRET_KEY: signs download links and keys anonymous responses; keep it stable.')
param secretKey string

@secure()
@minLength(16)
@description('Password of the PostgreSQL administrator the app connects as.')
param postgresAdminPassword string

@secure()
@description('Optional: the Claude API key for the AI coach and document analysis.')
param anthropicApiKey string = ''

@secure()
@description('Optional: Stripe secret key for billing.')
param stripeSecretKey string = ''

@secure()
@description('Optional: Stripe webhook signing secret.')
param stripeWebhookSecret string = ''

@description('Optional: SMTP server for outgoing mail (empty: mail stays in the in-app outbox).')
param smtpHost string = ''
param smtpUsername string = ''
@secure()
param smtpPassword string = ''
param mailFrom string = '9Vectors <no-reply@9vectors.local>'

// Sizes of a first production (see deploy/README.md for the reasoning).
@description('General Purpose 2 vCores / 8 GiB: steady CPU, unlike Burstable; scale up in place later.')
param postgresSkuName string = 'Standard_D2ds_v5'
@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param postgresSkuTier string = 'GeneralPurpose'
param postgresStorageGb int = 64
@allowed(['Disabled', 'SameZone', 'ZoneRedundant'])
param postgresHighAvailability string = 'Disabled'
param postgresGeoRedundantBackup bool = false

@description('Standard C1: replicated (primary + replica, SLA), 1 GB. Basic has no SLA; Premium adds clustering and persistence.')
@allowed(['Basic', 'Standard', 'Premium'])
param redisSku string = 'Standard'
param redisCapacity int = 1

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS'])
param storageSku string = 'Standard_GRS'

@allowed(['Basic', 'Standard', 'Premium'])
param registrySku string = 'Basic'

param zoneRedundant bool = false
param logRetentionDays int = 30

param webMinReplicas int = 2
param webMaxReplicas int = 10
@description('Granian processes per web replica (1 vCPU each replica).')
param webWorkers int = 2
param workerMinReplicas int = 1
param workerMaxReplicas int = 5

// ---------------------------------------------------------------------------------------------
// Names: globally unique ones carry a suffix derived from the resource group
// ---------------------------------------------------------------------------------------------
var suffix = uniqueString(resourceGroup().id, name)
var deployCosmos = storeBackend == 'cosmos'

var names = {
  vnet: 'vnet-${name}'
  workspace: 'log-${name}'
  appInsights: 'appi-${name}'
  registry: take('cr${name}${suffix}', 50)
  identity: 'id-${name}-apps'
  postgres: 'psql-${name}-${suffix}'
  redis: 'redis-${name}-${suffix}'
  storage: take('st${name}${suffix}', 24)
  cosmos: 'cosmos-${name}-${suffix}'
  vault: take('kv-${name}-${suffix}', 24)
  environment: 'cae-${name}'
  web: '${name}-web'
  worker: '${name}-worker'
  scheduler: '${name}-scheduler'
  migrate: '${name}-migrate'
}

var postgresAdminLogin = 'ninevectors'
var postgresDatabaseName = 'ninevectors'
var blobContainerName = '9vectors-storage'
var cosmosDatabaseName = 'ninevectors'

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------
resource appsIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  // User-assigned (not system-assigned) so its roles exist before the first revision of any
  // app starts and has to pull the image and read Key Vault.
  name: names.identity
  location: location
  tags: tags
}

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    location: location
    tags: tags
    vnetName: names.vnet
    postgresServerName: names.postgres
    deployCosmos: deployCosmos
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    retentionDays: logRetentionDays
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    location: location
    tags: tags
    registryName: names.registry
    sku: registrySku
    pullPrincipalId: appsIdentity.properties.principalId
  }
}

module data 'modules/data.bicep' = {
  name: 'data'
  params: {
    location: location
    tags: tags
    postgresServerName: names.postgres
    redisName: names.redis
    storageAccountName: names.storage
    cosmosAccountName: names.cosmos
    deployCosmos: deployCosmos
    postgresSubnetId: network.outputs.postgresSubnetId
    postgresDnsZoneId: network.outputs.postgresDnsZoneId
    endpointsSubnetId: network.outputs.endpointsSubnetId
    redisDnsZoneId: network.outputs.redisDnsZoneId
    cosmosDnsZoneId: network.outputs.cosmosDnsZoneId
    postgresAdminLogin: postgresAdminLogin
    postgresAdminPassword: postgresAdminPassword
    postgresDatabaseName: postgresDatabaseName
    postgresSkuName: postgresSkuName
    postgresSkuTier: postgresSkuTier
    postgresStorageGb: postgresStorageGb
    postgresHighAvailability: postgresHighAvailability
    postgresGeoRedundantBackup: postgresGeoRedundantBackup
    redisSku: redisSku
    redisCapacity: redisCapacity
    storageSku: storageSku
    blobContainerName: blobContainerName
    cosmosDatabaseName: cosmosDatabaseName
    cosmosServerless: cosmosServerless
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    tags: tags
    vaultName: names.vault
    workspaceId: monitoring.outputs.workspaceId
    readerPrincipalId: appsIdentity.properties.principalId
    postgresFqdn: data.outputs.postgresFqdn
    postgresDatabaseName: data.outputs.postgresDatabaseName
    postgresAdminLogin: postgresAdminLogin
    postgresAdminPassword: postgresAdminPassword
    redisName: names.redis
    storageAccountName: data.outputs.storageAccountName
    cosmosAccountName: names.cosmos
    deployCosmos: deployCosmos
    secretKey: secretKey
    anthropicApiKey: anthropicApiKey
    stripeSecretKey: stripeSecretKey
    stripeWebhookSecret: stripeWebhookSecret
    smtpPassword: smtpPassword
  }
}

// Optional secrets that were given: the apps reference exactly these (names only, no values).
var optionalSecrets = filter(
  [
    { secret: 'anthropic-api-key', env: 'NINEVECTORS_ANTHROPIC_API_KEY', given: !empty(anthropicApiKey) }
    { secret: 'stripe-secret-key', env: 'NINEVECTORS_STRIPE_SECRET_KEY', given: !empty(stripeSecretKey) }
    { secret: 'stripe-webhook-secret', env: 'NINEVECTORS_STRIPE_WEBHOOK_SECRET', given: !empty(stripeWebhookSecret) }
    { secret: 'smtp-password', env: 'NINEVECTORS_SMTP_PASSWORD', given: !empty(smtpPassword) }
  ],
  s => s.given
)

module apps 'modules/apps.bicep' = if (deployApps) {
  name: 'apps'
  // The identity's roles (registry pull, Key Vault read) are assigned in these modules.
  dependsOn: [registry, keyVault]
  params: {
    location: location
    tags: tags
    environmentName: names.environment
    webAppName: names.web
    workerAppName: names.worker
    schedulerAppName: names.scheduler
    migrateJobName: names.migrate
    appsSubnetId: network.outputs.appsSubnetId
    zoneRedundant: zoneRedundant
    workspaceName: monitoring.outputs.workspaceName
    appInsightsName: monitoring.outputs.appInsightsName
    identityId: appsIdentity.id
    registryServer: registry.outputs.loginServer
    image: '${registry.outputs.loginServer}/ninevectors:${imageTag}'
    vaultUri: keyVault.outputs.vaultUri
    customDomain: customDomain
    storeBackend: storeBackend
    cosmosEndpoint: data.outputs.cosmosEndpoint
    cosmosDatabaseName: cosmosDatabaseName
    blobContainerName: data.outputs.blobContainerName
    redisHostName: data.outputs.redisHostName
    redisSslPort: data.outputs.redisSslPort
    optionalSecrets: map(optionalSecrets, s => { secret: s.secret, env: s.env })
    smtpHost: smtpHost
    smtpUsername: smtpUsername
    mailFrom: mailFrom
    webMinReplicas: webMinReplicas
    webMaxReplicas: webMaxReplicas
    webWorkers: webWorkers
    workerMinReplicas: workerMinReplicas
    workerMaxReplicas: workerMaxReplicas
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs (no secrets)
// ---------------------------------------------------------------------------------------------
output registryLoginServer string = registry.outputs.loginServer
output registryName string = registry.outputs.registryName
output keyVaultName string = keyVault.outputs.vaultName
output postgresFqdn string = data.outputs.postgresFqdn
output storageAccountName string = data.outputs.storageAccountName
output publicUrl string = deployApps ? apps.outputs.publicUrl : ''
output migrateJobName string = deployApps ? apps.outputs.migrateJobName : ''
output environmentStaticIp string = deployApps ? apps.outputs.environmentStaticIp : ''
