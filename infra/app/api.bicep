// The CX Hub function app: Flex Consumption plan (FC1, Linux) + Python function app.
// Shape: Azure-Samples functions-quickstart-dotnet-azd infra/app/api.bicep and
// azure-functions-flex-consumption-samples IaC/bicep/core/host/function.bicep; resource and
// property names checked against the Microsoft.Web 2024-04-01 type reference (FunctionAppConfig:
// deployment.storage, runtime, scaleAndConcurrency; SiteProperties.keyVaultReferenceIdentity).
param name string
param planName string
param location string
param tags object = {}

@description('Python version of the Flex Consumption runtime (the project tests on 3.11).')
param pythonVersion string

@description('Flex Consumption instance memory; 2048 MB is the documented default size.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string

@description('Resource id of the user-assigned identity.')
param identityId string
@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Key Vault secret URI (no version) of cxhub-intake-secret, or empty when none was given.')
param intakeRefUri string = ''
@description('Key Vault secret URI of cxhub-client-secret, or empty when none was given.')
param clientRefUri string = ''
@description('Key Vault secret URI of cxhub-action-key, or empty when none was given.')
param actionKeyRefUri string = ''
@description('Client ID of the Entra ID app registration for signing in to the pages; empty = no App Service Authentication.')
param signInClientId string = ''
@description('Key Vault secret URI of cxhub-storage-connection.')
param storageConnectionRefUri string

@description('The CX Hub settings from main.bicep (setting name -> value).')
param cxhubSettings object

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Settings that are fixed or derived in Azure. Deliberately absent (Flex Consumption
// deprecations, learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations):
//   FUNCTIONS_WORKER_RUNTIME   - replaced by functionAppConfig.runtime.name below; the platform
//                                sets the worker itself, so the app setting must not be sent.
//   FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE, WEBSITE_CONTENT* - set by the backend
//                                or replaced by functionAppConfig.deployment.
//   AzureWebJobsStorage        - the key-based connection string is replaced by the identity-based
//                                AzureWebJobsStorage__* settings (functions-reference, "Connecting
//                                to host storage with an identity"); __accountName works in public
//                                Azure without custom DNS; __credential + __clientId select the
//                                user-assigned identity.
var platformSettings = {
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  // Entra-authenticated telemetry as the user-assigned identity (App Insights has local auth off).
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // In Azure the queue is the Storage queue and the hub is the SharePoint workbook via Graph.
  CXHUB_QUEUE: 'azure'
  CXHUB_BACKEND: 'graph'
  // Secrets: Key Vault references only (resolved as keyVaultReferenceIdentity below).
  CXHUB_STORAGE_CONNECTION: '@Microsoft.KeyVault(SecretUri=${storageConnectionRefUri})'
  // Empty, not a dangling reference, when no secret was given: an unresolved reference would
  // reach the app as non-empty text and look like a secret to cxhub.settings (an intake secret
  // would then reject every unsigned Power Automate call with 401).
  CXHUB_INTAKE_SECRET: !empty(intakeRefUri) ? '@Microsoft.KeyVault(SecretUri=${intakeRefUri})' : ''
  CXHUB_CLIENT_SECRET: !empty(clientRefUri) ? '@Microsoft.KeyVault(SecretUri=${clientRefUri})' : ''
  // Empty = the app makes a random key once and keeps it in its private state container.
  CXHUB_ACTION_KEY: !empty(actionKeyRefUri) ? '@Microsoft.KeyVault(SecretUri=${actionKeyRefUri})' : ''
  // The sign-in headers (X-MS-CLIENT-PRINCIPAL-NAME) are trusted only when App Service
  // Authentication really sits in front of the app (authsettingsV2 below); otherwise anyone could
  // send them, and hub/web/identity.py strips them.
  CXHUB_APP_SERVICE_AUTH: !empty(signInClientId) ? 'true' : 'false'
  // Used when CXHUB_USE_MANAGED_IDENTITY=true: Graph tokens for this identity (msal
  // UserAssignedManagedIdentity in graph/auth.py). Harmless otherwise.
  CXHUB_MANAGED_IDENTITY_CLIENT_ID: identityClientId
}

var allSettings = union(cxhubSettings, platformSettings)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the service to deploy by this tag (azure.yaml: services.api).
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the system-assigned identity unless this names the
    // user-assigned one (app-service-key-vault-references, "Access vaults with a user-assigned identity").
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'python'
        version: pythonVersion
      }
    }
    siteConfig: {
      appSettings: [
        for setting in items(allSettings): {
          name: setting.key
          value: setting.value
        }
      ]
    }
  }
}

// App Service Authentication (Easy Auth) with Microsoft Entra ID in front of the pages the mails link
// to (/api/act, /api/customers/...): people sign in with their work account and the platform passes
// who they are in X-MS-CLIENT-PRINCIPAL-NAME. Machine routes keep their function keys and are
// excluded: the Forms flow (submissions), the ERP upload (erp/...) and the health probe.
// Without a client secret the platform signs in with ID tokens (enable "ID tokens" on the app
// registration, redirect URI https://<app>/.auth/login/aad/callback; docs/ADMIN.md section 13).
// Shape: Microsoft.Web sites/config 'authsettingsV2' (learn.microsoft.com/azure/templates/microsoft.web/sites/config-authsettingsv2).
resource signIn 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(signInClientId)) {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: [
        '/api/submissions'
        '/api/erp'
        '/api/health'
      ]
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: signInClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            signInClientId
            'api://${signInClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
