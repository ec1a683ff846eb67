// Azure Container Apps: one environment in the VNet, one image, three apps and a job.
//
//   web        external HTTPS ingress (websockets), 2..N replicas, scaled on concurrent requests
//   worker     no ingress, 1..N replicas, scaled on the length of the task queues in Redis
//   scheduler  no ingress, exactly one replica
//   migrate    a manual job: `cli prepare` (migrations, store containers), run before a release
//
// Every secret is a Key Vault reference read with the apps' user-assigned identity; the
// registry is pulled with the same identity.

param location string
param tags object

param environmentName string
param webAppName string
param workerAppName string
param schedulerAppName string
param migrateJobName string

param appsSubnetId string
param zoneRedundant bool
param workspaceName string
param appInsightsName string

param identityId string
param registryServer string
param image string
param vaultUri string

@description('Custom domain (bound separately, see deploy/README.md); empty: the app\'s own *.azurecontainerapps.io address.')
param customDomain string

@allowed(['sql', 'cosmos'])
param storeBackend string
param cosmosEndpoint string
param cosmosDatabaseName string
param blobContainerName string
param redisHostName string
param redisSslPort int

@description('Optional secrets present in Key Vault: [{ secret: "<key vault name>", env: "NINEVECTORS_..." }].')
param optionalSecrets array
param smtpHost string
param smtpUsername string
param mailFrom string

param webMinReplicas int
param webMaxReplicas int
param webWorkers int
param workerMinReplicas int
param workerMaxReplicas int

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' existing = {
  name: workspaceName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource containerEnv 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspace.properties.customerId
        sharedKey: workspace.listKeys().primarySharedKey
      }
    }
    vnetConfiguration: {
      infrastructureSubnetId: appsSubnetId
      internal: false // the web app's ingress is public; nothing else has ingress
    }
    workloadProfiles: [
      { name: 'Consumption', workloadProfileType: 'Consumption' }
    ]
    zoneRedundant: zoneRedundant
  }
}

var defaultUrl = 'https://${webAppName}.${containerEnv.properties.defaultDomain}'
var publicUrl = empty(customDomain) ? defaultUrl : 'https://${customDomain}'

var deployCosmos = storeBackend == 'cosmos'

// ---------------------------------------------------------------------------------------------
// Secrets and environment shared by every role
// ---------------------------------------------------------------------------------------------
var vaultSecretNames = concat(
  ['secret-key', 'database-url', 'redis-url', 'redis-password', 'storage-connection-string'],
  deployCosmos ? ['cosmos-key'] : [],
  map(optionalSecrets, s => s.secret)
)

var secrets = concat(
  map(vaultSecretNames, name => {
    name: name
    keyVaultUrl: '${vaultUri}secrets/${name}'
    identity: identityId
  }),
  [
    // Not a Key Vault secret: it is derived from the Application Insights resource itself.
    { name: 'appinsights-connection-string', value: appInsights.properties.ConnectionString }
  ]
)

var cosmosEnv = [
  { name: 'NINEVECTORS_COSMOS_ENDPOINT', value: cosmosEndpoint }
  { name: 'NINEVECTORS_COSMOS_KEY', secretRef: 'cosmos-key' }
  { name: 'NINEVECTORS_COSMOS_DATABASE', value: cosmosDatabaseName }
]

var smtpEnv = [
  { name: 'NINEVECTORS_SMTP_HOST', value: smtpHost }
  { name: 'NINEVECTORS_SMTP_USERNAME', value: smtpUsername }
  { name: 'NINEVECTORS_MAIL_FROM', value: mailFrom }
]

var sharedEnv = concat(
  [
    { name: 'NINEVECTORS_ENVIRONMENT', value: 'production' }
    { name: 'NINEVECTORS_PUBLIC_URL', value: publicUrl }
    { name: 'NINEVECTORS_SECRET_KEY', secretRef: 'secret-key' }
    { name: 'NINEVECTORS_DATABASE_URL', secretRef: 'database-url' }
    { name: 'NINEVECTORS_STORE_BACKEND', value: storeBackend }
    { name: 'NINEVECTORS_CACHE_BACKEND', value: 'redis' }
    { name: 'NINEVECTORS_REDIS_URL', secretRef: 'redis-url' }
    { name: 'NINEVECTORS_BLOB_BACKEND', value: 'azure' }
    { name: 'NINEVECTORS_AZURE_STORAGE_CONNECTION_STRING', secretRef: 'storage-connection-string' }
    { name: 'NINEVECTORS_BLOB_CONTAINER', value: blobContainerName }
    { name: 'NINEVECTORS_LOAD_DEMO_DATA', value: 'false' }
    // Read by the Azure Monitor OpenTelemetry distro once the app adopts it (see README).
    { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', secretRef: 'appinsights-connection-string' }
  ],
  deployCosmos ? cosmosEnv : [],
  empty(smtpHost) ? [] : smtpEnv,
  map(optionalSecrets, s => { name: s.env, secretRef: s.secret })
)

var identity = {
  type: 'UserAssigned'
  userAssignedIdentities: { '${identityId}': {} }
}

var registries = [{ server: registryServer, identity: identityId }]

// The image's ENTRYPOINT is tini; Container Apps' `command` would replace it, so roles are
// chosen with `args` (the image's CMD) only.

// ---------------------------------------------------------------------------------------------
// web
// ---------------------------------------------------------------------------------------------
resource web 'Microsoft.App/containerApps@2024-03-01' = {
  name: webAppName
  location: location
  tags: tags
  identity: identity
  properties: {
    environmentId: containerEnv.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      secrets: secrets
      registries: registries
      ingress: {
        external: true
        targetPort: 3000
        transport: 'auto' // HTTP/1.1 and HTTP/2, websockets included (Reflex's event channel)
        allowInsecure: false // plain HTTP is redirected to HTTPS
        // No sticky sessions: Reflex state, sessions and drafts are in Redis, so any replica
        // can serve any browser.
        traffic: [{ latestRevision: true, weight: 100 }]
      }
    }
    template: {
      containers: [
        {
          name: 'web'
          image: image
          args: ['python', '-m', 'ninevectors.cli', 'serve', '--role', 'web']
          resources: { cpu: json('1.0'), memory: '2Gi' }
          env: concat(sharedEnv, [{ name: 'GRANIAN_WORKERS', value: string(webWorkers) }])
          probes: [
            {
              // Up to ~110 s to import the app and start the server processes.
              type: 'Startup'
              httpGet: { path: '/health', port: 3000, scheme: 'HTTP' }
              initialDelaySeconds: 10
              periodSeconds: 10
              failureThreshold: 10
              timeoutSeconds: 5
            }
            {
              type: 'Liveness'
              httpGet: { path: '/health', port: 3000, scheme: 'HTTP' }
              periodSeconds: 30
              failureThreshold: 3
              timeoutSeconds: 5
            }
            {
              // /ready also checks the database and Redis: a replica that cannot reach them
              // gets no traffic, but is not restarted for it.
              type: 'Readiness'
              httpGet: { path: '/ready', port: 3000, scheme: 'HTTP' }
              periodSeconds: 10
              failureThreshold: 3
              timeoutSeconds: 5
            }
          ]
        }
      ]
      scale: {
        minReplicas: webMinReplicas
        maxReplicas: webMaxReplicas
        rules: [
          {
            // An open page holds one websocket: this is roughly "open pages per replica".
            name: 'concurrent-requests'
            http: { metadata: { concurrentRequests: '100' } }
          }
        ]
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// worker: document processing (extraction, OCR, embeddings, AI analysis) and report rendering
// ---------------------------------------------------------------------------------------------
// Dramatiq's Redis broker keeps each queue's pending message ids in the list
// "dramatiq:<queue>" (namespace set in ninevectors/services/tasks.py).
var queueScaleRules = map(['document-processing', 'report-rendering'], queue => {
  name: 'queue-${queue}'
  custom: {
    type: 'redis'
    metadata: {
      address: '${redisHostName}:${redisSslPort}'
      listName: 'dramatiq:${queue}'
      listLength: '5'
      databaseIndex: '0'
      enableTLS: 'true'
    }
    auth: [{ secretRef: 'redis-password', triggerParameter: 'password' }]
  }
})

resource worker 'Microsoft.App/containerApps@2024-03-01' = {
  name: workerAppName
  location: location
  tags: tags
  identity: identity
  properties: {
    environmentId: containerEnv.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      secrets: secrets
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'worker'
          image: image
          args: ['python', '-m', 'ninevectors.worker']
          resources: { cpu: json('1.0'), memory: '2Gi' } // OCR and ONNX embeddings
          env: sharedEnv
        }
      ]
      // Let a document or report in progress finish before a scale-in or a new revision stops it.
      terminationGracePeriodSeconds: 120
      scale: {
        minReplicas: workerMinReplicas
        maxReplicas: workerMaxReplicas
        rules: queueScaleRules
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// scheduler: periodic jobs (scheduled reminders, expired-item purge); exactly one replica
// ---------------------------------------------------------------------------------------------
resource scheduler 'Microsoft.App/containerApps@2024-03-01' = {
  name: schedulerAppName
  location: location
  tags: tags
  identity: identity
  properties: {
    environmentId: containerEnv.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      secrets: secrets
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'scheduler'
          image: image
          args: ['python', '-m', 'ninevectors.cli', 'serve', '--role', 'scheduler']
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: sharedEnv
        }
      ]
      scale: { minReplicas: 1, maxReplicas: 1 }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// migrate: `az containerapp job start -n <name> -g <rg>` before rolling out a new image
// ---------------------------------------------------------------------------------------------
resource migrate 'Microsoft.App/jobs@2024-03-01' = {
  name: migrateJobName
  location: location
  tags: tags
  identity: identity
  properties: {
    environmentId: containerEnv.id
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Manual'
      replicaTimeout: 1800
      replicaRetryLimit: 0 // a failed migration is looked at, not retried blindly
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }
      secrets: secrets
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'migrate'
          image: image
          args: ['python', '-m', 'ninevectors.cli', 'prepare']
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: sharedEnv
        }
      ]
    }
  }
}

output publicUrl string = publicUrl
output webFqdn string = web.properties.configuration.ingress.fqdn
output environmentDefaultDomain string = containerEnv.properties.defaultDomain
output environmentStaticIp string = containerEnv.properties.staticIp
output workerAppName string = worker.name
output schedulerAppName string = scheduler.name
output migrateJobName string = migrate.name
