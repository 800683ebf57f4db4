// Log Analytics workspace + workspace-based Application Insights.
// DisableLocalAuth: telemetry is accepted only with an Entra token, so the function app sends it
// as the user-assigned identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING in api.bicep, role
// Monitoring Metrics Publisher in rbac.bicep) - as in Azure-Samples functions-quickstart-python-azd-timer.
param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object = {}

@description('Days Log Analytics keeps the logs (30 is the free retention).')
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

output logAnalyticsName string = logAnalytics.name
output applicationInsightsName string = applicationInsights.name
