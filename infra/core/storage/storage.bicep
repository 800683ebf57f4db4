// The function app's storage account: Functions host storage (keys, timer schedule monitors and
// singleton locks), the Flex Consumption deployment package container, the submissions queue and
// its poison queue, and the cxhub-state container for small durable values (Forms watermark,
// sent-mail ledger, the delegated token cache).
//
// Shared keys: the Functions *host* reaches this account with the managed identity only
// (AzureWebJobsStorage__accountName/__credential/__clientId in api.bicep) and that covers the timer
// triggers and the queue output binding (connection "AzureWebJobsStorage"; identity-based with the
// storage extension 5.x, i.e. extension bundle 3.x+ - this project uses [4.0.0, 5.0.0); see
// learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue, "Identity-based
// connections", and functions-reference, "Connecting to host storage with an identity").
// BUT the app's own code (cloud/storage_queue.py, cloud/blob_state.py) builds its clients with
// QueueClient/BlobServiceClient.from_connection_string() from CXHUB_STORAGE_CONNECTION or
// AzureWebJobsStorage, so it needs a key-based connection string. allowSharedKeyAccess therefore
// stays true; the connection string lives only in Key Vault (core/security/keyvault.bicep). Once
// the code accepts an account URL + managed identity, set allowSharedKeyAccess to false and drop
// the cxhub-storage-connection secret.
param name string
param location string
param tags object = {}
param deploymentContainerName string

@description('The submissions queue (cxhub.settings.DEFAULT_QUEUE_NAME) and its poison queue (<name>-poison, the Functions convention).')
param queueNames array = [
  'cxhub-submissions'
  'cxhub-submissions-poison'
]

@description('Blob container for small durable state (cloud/blob_state.py default).')
param stateContainerName string = 'cxhub-state'

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    // Needed by the app's own from_connection_string() clients - see the header comment.
    allowSharedKeyAccess: true
    // The portal and tools default to Entra ID for data access; keys still work for the app.
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource stateContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: stateContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
