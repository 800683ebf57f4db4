// Key Vault with Azure RBAC authorization (no access policies). Holds every secret the app uses;
// the app settings only carry @Microsoft.KeyVault(SecretUri=...) references, resolved by the
// platform as the user-assigned identity (keyVaultReferenceIdentity in api.bicep; role Key Vault
// Secrets User in rbac.bicep). References without a version follow the latest version of the
// secret (re-fetched within 24 h, or at once on any app configuration change).
// Source: learn.microsoft.com/azure/app-service/app-service-key-vault-references.
//
// Surprising but documented: a reference that cannot be resolved is passed to the app as the
// literal "@Microsoft.KeyVault(...)" text. CX Hub then fails closed (bad HMAC secret -> 401, bad
// connection string -> the function errors), and the portal shows the reference status.
// Flex Consumption supports Key Vault references; this vault keeps public network access (with
// RBAC) because the app is not VNet-integrated (see flex-consumption-plan.md, "Considerations").
param name string
param location string
param tags object = {}

@description('Storage account whose key-based connection string the app code needs (see core/storage/storage.bicep).')
param storageAccountName string

@secure()
@description('Optional HMAC secret for X-CXHub-Signature; only stored when storeIntakeSecret is true.')
param intakeSecret string = ''

@description('True when an intake secret was given (computed by main.bicep).')
param storeIntakeSecret bool = false

@secure()
@description('Optional Graph client secret; only stored when storeClientSecret is true.')
param clientSecret string = ''

@description('True when a client secret was given (computed by main.bicep, so that no output reads a @secure() value).')
param storeClientSecret bool = false

@secure()
@description('Optional key that signs the one-tap links in mails (CXHUB_ACTION_KEY); only stored when storeActionKey is true.')
param actionKey string = ''

@description('True when an action key was given (computed by main.bicep).')
param storeActionKey bool = false

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource intakeSecretResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeIntakeSecret) {
  parent: vault
  name: 'cxhub-intake-secret'
  properties: {
    value: intakeSecret
    contentType: 'text/plain'
  }
}

resource clientSecretResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeClientSecret) {
  parent: vault
  name: 'cxhub-client-secret'
  properties: {
    value: clientSecret
    contentType: 'text/plain'
  }
}

resource actionKeyResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeActionKey) {
  parent: vault
  name: 'cxhub-action-key'
  properties: {
    value: actionKey
    contentType: 'text/plain'
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

// Built at deployment time from the account's key: the key never appears in the repo, in the
// deployment outputs or in an app setting - only in this secret.
resource storageConnectionSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'cxhub-storage-connection'
  properties: {
    value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
    contentType: 'text/plain'
  }
}

output name string = vault.name
output id string = vault.id
// Secret URIs without a version (the reference follows the latest version). Not secret themselves.
// vaultUri ends with '/'. Empty when no secret was given (no secret, no reference).
output intakeRefUri string = storeIntakeSecret ? '${vault.properties.vaultUri}secrets/cxhub-intake-secret' : ''
output clientRefUri string = storeClientSecret ? '${vault.properties.vaultUri}secrets/cxhub-client-secret' : ''
output actionKeyRefUri string = storeActionKey ? '${vault.properties.vaultUri}secrets/cxhub-action-key' : ''
output storageConnectionRefUri string = storageConnectionSecret.properties.secretUri
