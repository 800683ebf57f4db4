// CX Hub on Azure: `azd up` provisions this file, then deploys the project to the function app.
//
// Modelled on the Azure-Samples Flex Consumption azd templates
// (functions-quickstart-python-azd-timer infra/main.bicep, functions-quickstart-dotnet-azd
// infra/app/api.bicep and azure-functions-flex-consumption-samples IaC/bicep), written with plain
// resources instead of registry (br/public) modules so that every API version is pinned here and
// the offline checks in tests/unit/test_infra.py can read everything.
//
// What it creates, in one resource group (see infra/README.md for the why of each):
//   user-assigned managed identity  - the app's only identity: storage, Key Vault, App Insights, (optionally) Graph
//   storage account                 - Functions host storage, deployment package container,
//                                     queues cxhub-submissions(+ -poison), container cxhub-state
//   Key Vault (RBAC)                - cxhub-intake-secret and cxhub-client-secret (each only if given),
//                                     cxhub-storage-connection (generated; see core/storage and core/security)
//   Log Analytics + App Insights    - telemetry, Entra-only ingestion (local auth disabled)
//   Flex Consumption plan (FC1) + Linux Python function app
//   role assignments                - least privilege for the identity (infra/app/rbac.bicep)
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------
// azd environment
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used for the resource group name and a short unique hash in every resource name.')
param environmentName string

// Flex Consumption is not offered everywhere: this list is the one in the Azure-Samples
// functions-quickstart-python-azd-timer template; `az functionapp list-flexconsumption-locations`
// gives today's list. There is no Azure region in Nigeria; southafricanorth or westeurope are near.
@minLength(1)
@description('Primary location for all resources (must support the Flex Consumption plan).')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'eastus2euap'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; empty = rg-<environmentName>.')
param resourceGroupName string = ''

@minValue(40)
@maxValue(1000)
@description('Flex Consumption maximumInstanceCount. 40 is the documented lowest maximum for Flex; CX Hub needs far fewer (the timers are singletons, intake is light).')
param maximumInstanceCount int = 40

// ---------------------------------------------------------------------------------------------
// Secrets: only as @secure() parameters (azd fills them from CXHUB_INTAKE_SECRET /
// CXHUB_CLIENT_SECRET in the azd environment - main.parameters.json); they go straight into Key
// Vault and the app reads them through @Microsoft.KeyVault(SecretUri=...) references.
// ---------------------------------------------------------------------------------------------

// Both are optional: with Power Automate the intake secret stays empty (flows cannot compute the
// HMAC; the function key protects the endpoint - flows/README.md, docs/ADMIN.md section 8), and the
// client secret is only for the app-registration-with-secret way of reaching Graph. An empty value
// stores no secret and leaves the app setting empty (never a reference to a missing secret).
@secure()
@description('Optional: HMAC secret for X-CXHub-Signature on POST /api/submissions and /api/erp/{kind} (Key Vault secret cxhub-intake-secret). Empty = the function key only.')
param cxhubIntakeSecret string = ''

@secure()
@description('Optional: the key that signs the one-tap links in mails (Key Vault secret cxhub-action-key). Empty = a random key the app makes once and keeps in its private state container.')
param cxhubActionKey string = ''

@description('Optional: client ID of the Entra ID app registration people sign in with to the pages the mails link to (/api/act, /api/customers/...). Set = App Service Authentication on, and CXHUB_APP_SERVICE_AUTH true.')
param signInClientId string = ''

@secure()
@description('Optional: client secret of the Graph app registration (Key Vault secret cxhub-client-secret). Leave empty with CXHUB_USE_MANAGED_IDENTITY=true, a certificate, or CXHUB_AUTH_MODE=delegated.')
param cxhubClientSecret string = ''

// ---------------------------------------------------------------------------------------------
// App settings the code reads (local.settings.sample.json "Values"), one parameter each, named as
// the setting, with the sample's default. Set any of them with `azd env set NAME value` before
// `azd up` / `azd provision`. Not parameters, because they are fixed or derived in Azure:
//   FUNCTIONS_WORKER_RUNTIME           -> functionAppConfig.runtime.name (Flex rejects the app setting)
//   AzureWebJobsStorage                -> AzureWebJobsStorage__accountName/__credential/__clientId (identity)
//   CXHUB_QUEUE = 'azure', CXHUB_BACKEND = 'graph'
//   CXHUB_STORAGE_CONNECTION, CXHUB_INTAKE_SECRET, CXHUB_CLIENT_SECRET, CXHUB_ACTION_KEY -> Key Vault references
//   CXHUB_APP_SERVICE_AUTH            -> 'true' exactly when signInClientId sets up App Service Authentication
//   CXHUB_MANAGED_IDENTITY_CLIENT_ID   -> the client id of the identity created here
// (all in infra/app/api.bicep)
// ---------------------------------------------------------------------------------------------

// Timer schedules: six-field NCRONTAB, evaluated in UTC. Africa/Lagos is UTC+1 all year (no DST).
// WEBSITE_TIME_ZONE is not available on Linux Consumption / Flex Consumption, so the schedules
// stay in UTC and the Lagos wall-clock time is noted beside each.
@description('Writer timer: drains the submissions queue into the hub.')
param WRITER_SCHEDULE string = '0 */1 * * * *' // every minute
@description('Forms-workbook poll timer (the no-premium Forms path).')
param FORMS_POLL_SCHEDULE string = '30 */5 * * * *' // every 5 minutes, at :30 s
@description('Nightly governance run.')
param GOVERNANCE_SCHEDULE string = '0 0 1 * * *' // 01:00 UTC = 02:00 Lagos
@description('ERP drop-folder import, before governance.')
param ERP_IMPORT_SCHEDULE string = '0 30 0 * * *' // 00:30 UTC = 01:30 Lagos
@description('Daily follow-up reminders and manager digests.')
param FOLLOWUP_SCHEDULE string = '0 0 6 * * *' // 06:00 UTC = 07:00 Lagos
@description('Daily steward digest (possible duplicates, rejected submissions), per division.')
param STEWARD_DIGEST_SCHEDULE string = '0 15 6 * * *' // 06:15 UTC = 07:15 Lagos
@description('Weekly KPIs (Mondays).')
param KPI_SCHEDULE string = '0 0 6 * * 1' // Monday 06:00 UTC = Monday 07:00 Lagos
@description('Weekly upgrade-trigger check (Mondays).')
param HEALTH_SCHEDULE string = '0 30 5 * * 1' // Monday 05:30 UTC = Monday 06:30 Lagos
@description('Nightly retention purge (CXHUB_RETENTION_DAYS).')
param PURGE_SCHEDULE string = '0 0 2 * * *' // 02:00 UTC = 03:00 Lagos
@description('Daily operations digest for the admins.')
param OPS_DIGEST_SCHEDULE string = '0 30 6 * * *' // 06:30 UTC = 07:30 Lagos
@description('Hourly response-time warnings (before the 12-hour standard is broken).')
param SLA_SCHEDULE string = '0 5 * * * *' // every hour, at :05

// Core behaviour
@description('Local hub path; unused with CXHUB_BACKEND=graph.')
param CXHUB_HUB string = 'hub.xlsx'
@description('Local SQLite queue path; unused with CXHUB_QUEUE=azure.')
param CXHUB_QUEUE_PATH string = ''
@description('Business time zone.')
param CXHUB_TIMEZONE string = 'Africa/Lagos'
@description('Region for phone numbers typed without +.')
param CXHUB_PHONE_REGION string = 'NG'
@description('The pilot in scope: divisions and/or branches (blank: the whole hub).')
param CXHUB_PILOT string = ''
param CXHUB_FUZZY_STRONG string = '90'
param CXHUB_FUZZY_REVIEW string = '80'
param CXHUB_MAX_ATTEMPTS string = '5'
param CXHUB_WRITER_BATCH string = '500'
@description('How many days of processed data the purge keeps.')
param CXHUB_RETENTION_DAYS string = '90'
@description('Base of the links in mails; empty = https://<function app>.azurewebsites.net.')
param CXHUB_PUBLIC_URL string = ''
@description('How many days a one-tap link in a mail works.')
param CXHUB_ACTION_LINK_DAYS string = '14'

// Microsoft Graph
param CXHUB_GRAPH_BASE_URL string = 'https://graph.microsoft.com/v1.0'
param CXHUB_AUTHORITY_HOST string = 'https://login.microsoftonline.com'
@description('Tenant of the Graph app registration (not needed with CXHUB_USE_MANAGED_IDENTITY=true).')
param CXHUB_TENANT_ID string = ''
@description('Client id of the Graph app registration (not needed with CXHUB_USE_MANAGED_IDENTITY=true).')
param CXHUB_CLIENT_ID string = ''
@description('Path to a PEM (key + certificate) inside the deployed package; empty = none.')
param CXHUB_CLIENT_CERT_PATH string = ''
@allowed([
  'true'
  'false'
])
@description('true: call Graph as the user-assigned identity created here (grant it the Graph app roles first; see docs/ADMIN.md).')
param CXHUB_USE_MANAGED_IDENTITY string = 'false'
@allowed([
  'app'
  'delegated'
])
param CXHUB_AUTH_MODE string = 'delegated'
@description('Local token cache path; in Azure the cache is a blob in cxhub-state.')
param CXHUB_TOKEN_CACHE string = ''
@description('Drive id of the hub workbook (printed by `cxhub provision`). Required before the app can run.')
param CXHUB_HUB_DRIVE_ID string = ''
@description('Item id of the hub workbook (printed by `cxhub provision`). Required before the app can run.')
param CXHUB_HUB_ITEM_ID string = ''
@description('Mailbox the mail is sent from.')
param CXHUB_MAIL_SENDER string = ''
@description('Admins, comma-separated.')
param CXHUB_ADMIN_EMAILS string = ''
@description('TLS trust store override; leave empty in Azure.')
param CXHUB_CA_BUNDLE string = ''

// Forms
@description('Local Forms-linked workbook; unused in Azure.')
param CXHUB_FORMS_WORKBOOK string = ''
param CXHUB_FORMS_DRIVE_ID string = ''
param CXHUB_FORMS_ITEM_ID string = ''
@description('Local state file; in Azure the state is the cxhub-state blob container.')
param CXHUB_STATE_PATH string = ''

// Governance and ERP
@allowed([
  'largest'
  'latest'
])
param CXHUB_OWNER_RULE string = 'largest'
param CXHUB_DUP_STRONG string = '95'
param CXHUB_DUP_REVIEW string = '85'
param CXHUB_DUP_MAX_BLOCK string = '50'
@description('Path to your own ERP mappings TOML inside the deployed package; empty = the shipped profiles.')
param CXHUB_ERP_MAPPINGS string = ''
@description('Local ERP drop folder; unused in Azure.')
param CXHUB_ERP_FOLDER string = ''
param CXHUB_ERP_DRIVE_ID string = ''
param CXHUB_ERP_FOLDER_ID string = ''
@description('Bounds of an ERP export (docs/ADMIN.md, settings table).')
param CXHUB_ERP_MAX_FILE_MB string = '50'
param CXHUB_ERP_MAX_UNZIPPED_MB string = '500'
param CXHUB_ERP_MAX_RATIO string = '100'
param CXHUB_ERP_MAX_ROWS string = '250000'
param CXHUB_ERP_MAX_COLUMNS string = '500'
param CXHUB_ERP_MAX_CELL_CHARS string = '32767'
param CXHUB_ERP_PARSE_MEMORY_MB string = '2048'
param CXHUB_ERP_PARSE_SECONDS string = '600'

// Mail and reports
@description('Local .eml outbox; unused when Graph mail is configured.')
param CXHUB_OUTBOX string = ''
param CXHUB_MAIL_PER_MINUTE string = '30'
param CXHUB_RESPONSE_HOURS string = '12'
param CXHUB_OVERRUN_PERCENT string = '10'
param CXHUB_TICKET_OPEN_DAYS string = '5'
param CXHUB_QUIET_DAYS string = '7'
@description('Hours without a reply after which an inbound inquiry is warned about (of CXHUB_RESPONSE_HOURS).')
param CXHUB_RESPONSE_WARN_HOURS string = '8'
@description('Lagos hours in which response warnings are mailed.')
param CXHUB_SLA_BUSINESS_HOURS string = '08:00-18:00'
@description('Days without response warnings (Mon..Sun, comma-separated, or none).')
param CXHUB_SLA_QUIET_DAYS string = 'Sun'
@description('true: a receipt mail for each accepted Form submission.')
param CXHUB_RECEIPTS string = 'false'
param CXHUB_HEALTH_MAX_MB string = '100'
param CXHUB_HEALTH_MAX_OPEN_SECONDS string = '10'
param CXHUB_HEALTH_MAX_STEWARD_HOURS string = '2'
param CXHUB_HEALTH_MAX_USERS string = '25'

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

// The project tests on Python 3.11 (pyproject: requires-python >=3.11, ruff target py311);
// Flex Consumption supports it (flex-consumption-plan.md, "Supported language stack versions").
var pythonVersion = '3.11'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-cxhub-${resourceToken}'
// Same pattern as the Azure-Samples templates; <= 63 characters, lowercase.
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'

// Every app setting the code reads; api.bicep adds the host, identity and Key Vault ones.
var cxhubSettings = {
  WRITER_SCHEDULE: WRITER_SCHEDULE
  FORMS_POLL_SCHEDULE: FORMS_POLL_SCHEDULE
  GOVERNANCE_SCHEDULE: GOVERNANCE_SCHEDULE
  ERP_IMPORT_SCHEDULE: ERP_IMPORT_SCHEDULE
  FOLLOWUP_SCHEDULE: FOLLOWUP_SCHEDULE
  STEWARD_DIGEST_SCHEDULE: STEWARD_DIGEST_SCHEDULE
  KPI_SCHEDULE: KPI_SCHEDULE
  HEALTH_SCHEDULE: HEALTH_SCHEDULE
  PURGE_SCHEDULE: PURGE_SCHEDULE
  OPS_DIGEST_SCHEDULE: OPS_DIGEST_SCHEDULE
  SLA_SCHEDULE: SLA_SCHEDULE
  CXHUB_HUB: CXHUB_HUB
  CXHUB_QUEUE_PATH: CXHUB_QUEUE_PATH
  CXHUB_TIMEZONE: CXHUB_TIMEZONE
  CXHUB_PHONE_REGION: CXHUB_PHONE_REGION
  CXHUB_PILOT: CXHUB_PILOT
  CXHUB_FUZZY_STRONG: CXHUB_FUZZY_STRONG
  CXHUB_FUZZY_REVIEW: CXHUB_FUZZY_REVIEW
  CXHUB_MAX_ATTEMPTS: CXHUB_MAX_ATTEMPTS
  CXHUB_WRITER_BATCH: CXHUB_WRITER_BATCH
  CXHUB_RETENTION_DAYS: CXHUB_RETENTION_DAYS
  CXHUB_ACTION_LINK_DAYS: CXHUB_ACTION_LINK_DAYS
  CXHUB_PUBLIC_URL: !empty(CXHUB_PUBLIC_URL) ? CXHUB_PUBLIC_URL : 'https://${functionAppName}.azurewebsites.net'
  CXHUB_GRAPH_BASE_URL: CXHUB_GRAPH_BASE_URL
  CXHUB_AUTHORITY_HOST: CXHUB_AUTHORITY_HOST
  CXHUB_TENANT_ID: CXHUB_TENANT_ID
  CXHUB_CLIENT_ID: CXHUB_CLIENT_ID
  CXHUB_CLIENT_CERT_PATH: CXHUB_CLIENT_CERT_PATH
  CXHUB_USE_MANAGED_IDENTITY: CXHUB_USE_MANAGED_IDENTITY
  CXHUB_AUTH_MODE: CXHUB_AUTH_MODE
  CXHUB_TOKEN_CACHE: CXHUB_TOKEN_CACHE
  CXHUB_HUB_DRIVE_ID: CXHUB_HUB_DRIVE_ID
  CXHUB_HUB_ITEM_ID: CXHUB_HUB_ITEM_ID
  CXHUB_MAIL_SENDER: CXHUB_MAIL_SENDER
  CXHUB_ADMIN_EMAILS: CXHUB_ADMIN_EMAILS
  CXHUB_CA_BUNDLE: CXHUB_CA_BUNDLE
  CXHUB_FORMS_WORKBOOK: CXHUB_FORMS_WORKBOOK
  CXHUB_FORMS_DRIVE_ID: CXHUB_FORMS_DRIVE_ID
  CXHUB_FORMS_ITEM_ID: CXHUB_FORMS_ITEM_ID
  CXHUB_STATE_PATH: CXHUB_STATE_PATH
  CXHUB_OWNER_RULE: CXHUB_OWNER_RULE
  CXHUB_DUP_STRONG: CXHUB_DUP_STRONG
  CXHUB_DUP_REVIEW: CXHUB_DUP_REVIEW
  CXHUB_DUP_MAX_BLOCK: CXHUB_DUP_MAX_BLOCK
  CXHUB_ERP_MAPPINGS: CXHUB_ERP_MAPPINGS
  CXHUB_ERP_FOLDER: CXHUB_ERP_FOLDER
  CXHUB_ERP_DRIVE_ID: CXHUB_ERP_DRIVE_ID
  CXHUB_ERP_FOLDER_ID: CXHUB_ERP_FOLDER_ID
  CXHUB_ERP_MAX_FILE_MB: CXHUB_ERP_MAX_FILE_MB
  CXHUB_ERP_MAX_UNZIPPED_MB: CXHUB_ERP_MAX_UNZIPPED_MB
  CXHUB_ERP_MAX_RATIO: CXHUB_ERP_MAX_RATIO
  CXHUB_ERP_MAX_ROWS: CXHUB_ERP_MAX_ROWS
  CXHUB_ERP_MAX_COLUMNS: CXHUB_ERP_MAX_COLUMNS
  CXHUB_ERP_MAX_CELL_CHARS: CXHUB_ERP_MAX_CELL_CHARS
  CXHUB_ERP_PARSE_MEMORY_MB: CXHUB_ERP_PARSE_MEMORY_MB
  CXHUB_ERP_PARSE_SECONDS: CXHUB_ERP_PARSE_SECONDS
  CXHUB_OUTBOX: CXHUB_OUTBOX
  CXHUB_MAIL_PER_MINUTE: CXHUB_MAIL_PER_MINUTE
  CXHUB_RESPONSE_HOURS: CXHUB_RESPONSE_HOURS
  CXHUB_OVERRUN_PERCENT: CXHUB_OVERRUN_PERCENT
  CXHUB_TICKET_OPEN_DAYS: CXHUB_TICKET_OPEN_DAYS
  CXHUB_QUIET_DAYS: CXHUB_QUIET_DAYS
  CXHUB_RESPONSE_WARN_HOURS: CXHUB_RESPONSE_WARN_HOURS
  CXHUB_SLA_BUSINESS_HOURS: CXHUB_SLA_BUSINESS_HOURS
  CXHUB_SLA_QUIET_DAYS: CXHUB_SLA_QUIET_DAYS
  CXHUB_RECEIPTS: CXHUB_RECEIPTS
  CXHUB_HEALTH_MAX_MB: CXHUB_HEALTH_MAX_MB
  CXHUB_HEALTH_MAX_OPEN_SECONDS: CXHUB_HEALTH_MAX_OPEN_SECONDS
  CXHUB_HEALTH_MAX_STEWARD_HOURS: CXHUB_HEALTH_MAX_STEWARD_HOURS
  CXHUB_HEALTH_MAX_USERS: CXHUB_HEALTH_MAX_USERS
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity './app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-cxhub-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring './core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage './core/storage/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module keyVault './core/security/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    intakeSecret: cxhubIntakeSecret
    storeIntakeSecret: !empty(cxhubIntakeSecret)
    clientSecret: cxhubClientSecret
    storeClientSecret: !empty(cxhubClientSecret)
    actionKey: cxhubActionKey
    storeActionKey: !empty(cxhubActionKey)
  }
}

module rbac './app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
  }
}

module api './app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    pythonVersion: pythonVersion
    maximumInstanceCount: maximumInstanceCount
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    intakeRefUri: keyVault.outputs.intakeRefUri
    clientRefUri: keyVault.outputs.clientRefUri
    actionKeyRefUri: keyVault.outputs.actionKeyRefUri
    signInClientId: signInClientId
    storageConnectionRefUri: keyVault.outputs.storageConnectionRefUri
    cxhubSettings: cxhubSettings
  }
  // Key Vault references and the identity-based host storage resolve at start-up: grant the
  // roles first (role assignments can still take a few minutes to propagate; see infra/README.md).
  dependsOn: [
    rbac
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs: azd writes these into .azure/<env>/.env. Nothing secret here.
// ---------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_HOSTNAME string = api.outputs.defaultHostName
output AZURE_FUNCTION_APP_URL string = 'https://${api.outputs.defaultHostName}'
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
