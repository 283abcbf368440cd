// Log Analytics workspace and the workspace-based Application Insights component the Function App
// reports to. No key or connection string leaves this module: the function module reads the
// component's ConnectionString property itself (an existing-resource reference), and outputs here
// are resource ids and names only.

param location string
param tags object
param names object

@description('Days Log Analytics keeps data (30 is included in the price; prod may want longer).')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Disable instrumentation-key ingestion (Entra-only). Off until the worker SDK authenticates with the managed identity: see docs/adr/0003-infrastructure.md.')
param disableLocalAuth bool = false

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: names.logAnalytics
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: names.appInsights
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: disableLocalAuth
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

output workspaceId string = workspace.id
output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
