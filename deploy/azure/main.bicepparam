// Parameters of a first production. Secrets are read from the environment of the shell (or CI
// job) running `az deployment group create`, never written here:
//
//   export NINEVECTORS_SECRET_KEY=...          # required; generate once, keep it stable
//   export POSTGRES_ADMIN_PASSWORD=...         # required
//   export NINEVECTORS_ANTHROPIC_API_KEY=...   # optional, likewise the Stripe and SMTP ones
//   export DEPLOY_APPS=false                   # only for the very first deployment
//   export IMAGE_TAG=<commit sha>              # the image CI pushed
//
// Needs a recent Bicep CLI (bicepparam files with readEnvironmentVariable: 0.22 or later).
using './main.bicep'

param name = 'ninevectors'
param tags = {
  product: '9Vectors'
  environment: 'production'
}

param deployApps = bool(readEnvironmentVariable('DEPLOY_APPS', 'true'))
param imageTag = readEnvironmentVariable('IMAGE_TAG', 'latest')

param storeBackend = 'sql' // 'cosmos' adds a Cosmos DB account and switches the store to it
param customDomain = ''

param secretKey = readEnvironmentVariable('NINEVECTORS_SECRET_KEY')
param postgresAdminPassword = readEnvironmentVariable('POSTGRES_ADMIN_PASSWORD')
param anthropicApiKey = readEnvironmentVariable('NINEVECTORS_ANTHROPIC_API_KEY', '')
param stripeSecretKey = readEnvironmentVariable('NINEVECTORS_STRIPE_SECRET_KEY', '')
param stripeWebhookSecret = readEnvironmentVariable('NINEVECTORS_STRIPE_WEBHOOK_SECRET', '')
param smtpHost = readEnvironmentVariable('NINEVECTORS_SMTP_HOST', '')
param smtpUsername = readEnvironmentVariable('NINEVECTORS_SMTP_USERNAME', '')
param smtpPassword = readEnvironmentVariable('NINEVECTORS_SMTP_PASSWORD', '')

// Sizes (the defaults of main.bicep, repeated here to be changed in one place).
param postgresSkuName = 'Standard_D2ds_v5'
param postgresSkuTier = 'GeneralPurpose'
param postgresStorageGb = 64
param postgresHighAvailability = 'Disabled' // 'ZoneRedundant' doubles the database cost
param redisSku = 'Standard'
param redisCapacity = 1
param storageSku = 'Standard_GRS'
param registrySku = 'Basic'
param webMinReplicas = 2
param webMaxReplicas = 10
param workerMinReplicas = 1
param workerMaxReplicas = 5
