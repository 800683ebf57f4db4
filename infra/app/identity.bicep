// The app's only identity. User-assigned (not system-assigned) so that its role assignments and
// Key Vault access exist *before* the function app is created: Key Vault references and the
// identity-based host storage connection are resolved when the app starts
// (learn.microsoft.com/azure/app-service/app-service-key-vault-references, "Access vaults with a
// user-assigned identity"). Same choice as the Azure-Samples Flex Consumption azd templates.
param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
