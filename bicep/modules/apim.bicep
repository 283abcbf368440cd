// API Management in front of the Function App: the API imported from the generated OpenAPI
// document, an API policy (CORS, correlation id, the subscription key except on the keyless
// routes, Entra ID token validation, per-subscription rate limit, header hygiene), and a product
// whose policy sets the per-subscription quota.
//
// Tier: Standard v2 by default. The v2 gateway supports validate-jwt, rate-limit-by-key and quota
// (not quota-by-key), and Standard v2 is the smallest tier with outbound VNet integration, which
// is how it reaches the Function App's private endpoint.

param location string
param tags object
param names object

@allowed(['StandardV2', 'PremiumV2'])
param sku string = 'StandardV2'
@minValue(1)
param capacity int = 1

param publisherEmail string
param publisherName string

@description('Subnet delegated to Microsoft.Web/serverFarms for outbound VNet integration.')
param integrationSubnetId string

param functionAppName string
param functionAppHostName string

param tenantId string
param authAudience string

@description('Browser origins allowed by CORS (e.g. https://caseload.example.gov.uk). Empty: no browser origin is allowed.')
param corsAllowedOrigins array = []

@description('Paths (relative to the API base path) that answer without a token.')
param anonymousPaths array
@description('Paths (relative to the API base path) that answer without a subscription key: KEYLESS_ROUTES in shared/http/routes.ts.')
param keylessPaths array

@description('Calls per subscription per rate-limit period.')
param rateLimitCalls int = 600
param rateLimitPeriodSeconds int = 60
@description('Calls per subscription per quota period.')
param quotaCalls int = 200000
@description('Quota period (seconds); 604800 = one week.')
param quotaPeriodSeconds int = 604800

resource apim 'Microsoft.ApiManagement/service@2024-05-01' = {
  name: names.apim
  location: location
  tags: tags
  sku: {
    name: sku
    capacity: capacity
  }
  identity: { type: 'SystemAssigned' }
  properties: {
    publisherEmail: publisherEmail
    publisherName: publisherName
    // Outbound integration only (v2 tiers): the gateway stays public, its calls to the backend go
    // through the VNet and so reach the Function App's private endpoint.
    virtualNetworkType: 'External'
    virtualNetworkConfiguration: { subnetResourceId: integrationSubnetId }
    publicNetworkAccess: 'Enabled'
  }
}

resource tenantNamedValue 'Microsoft.ApiManagement/service/namedValues@2024-05-01' = {
  parent: apim
  name: names.apimTenantNamedValue
  properties: {
    displayName: names.apimTenantNamedValue
    value: tenantId
    secret: false
  }
}

resource audienceNamedValue 'Microsoft.ApiManagement/service/namedValues@2024-05-01' = {
  parent: apim
  name: names.apimAudienceNamedValue
  properties: {
    displayName: names.apimAudienceNamedValue
    value: authAudience
    secret: false
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource backend 'Microsoft.ApiManagement/service/backends@2024-05-01' = {
  parent: apim
  name: names.apimBackend
  properties: {
    title: names.apimBackend
    description: 'Caseload Function App (reached through its private endpoint)'
    protocol: 'http'
    url: 'https://${functionAppHostName}/api'
    resourceId: '${environment().resourceManager}${substring(functionApp.id, 1)}'
    tls: {
      validateCertificateChain: true
      validateCertificateName: true
    }
  }
}

resource api 'Microsoft.ApiManagement/service/apis@2024-05-01' = {
  parent: apim
  name: names.apimApi
  properties: {
    displayName: 'Caseload'
    description: 'Task management for HMCTS caseworkers'
    // Gateway URL /api/v1/... maps to the Function App's /api/v1/... (host.json routePrefix).
    path: apiPath
    protocols: ['https']
    // Per API only, so not here: the API policy requires a key on every route but the keyless ones
    // (the OpenAPI document declares the key per operation). A key that is sent is still validated.
    subscriptionRequired: false
    // The names the OpenAPI document's subscriptionKey scheme declares (shared/docs/sign-in.ts).
    subscriptionKeyParameterNames: {
      header: subscriptionKeyHeader
      query: subscriptionKeyQuery
    }
    serviceUrl: 'https://${functionAppHostName}/api'
    // openapi+json: inline OpenAPI 3 JSON (the ContentFormat enum describes it as "OpenAPI 3.0 JSON
    // Document"; there is no separate 3.1 format). The document is OpenAPI 3.1.0, which API
    // Management supports for import only ("API import restrictions and known issues",
    // https://learn.microsoft.com/azure/api-management/api-management-api-import-restrictions):
    // don't rely on exporting it back from API Management.
    format: 'openapi+json'
    // Produced by `npm run openapi` from the zod schemas and shared/http/routes.ts; about 256,000
    // characters. loadTextContent stops at 131,072 characters (error BCP184), loadJsonContent at
    // 1,048,576 (Azure/bicep src/Bicep.Core/LanguageConstants.cs: MaxLiteralCharacterLimit,
    // MaxJsonFileCharacterLimit). `value` is a string, so string() turns the object back into
    // (compact) JSON text. tests/infra/file-loads.test.ts checks the file against the limit.
    value: string(loadJsonContent('../../openapi/caseload.openapi.json'))
  }
}

// The gateway's path for the API; the routes' prefix (host.json routePrefix) is the same.
var apiPath = 'api'
// API Management's default names for the subscription key.
var subscriptionKeyHeader = 'Ocp-Apim-Subscription-Key'
var subscriptionKeyQuery = 'subscription-key'

var corsOrigins = join(map(corsAllowedOrigins, origin => '        <origin>${origin}</origin>'), '\n')
var anonymousPathTest = empty(anonymousPaths)
  ? 'false'
  // A templated route ('docs/{file}') is matched by its literal prefix, the others exactly at the end.
  : join(map(anonymousPaths, p => contains(p, '{') ? 'path.Contains("/${split(p, '{')[0]}")' : 'path.EndsWith("/${p}")'), ' || ')

// Exact paths, lower case (the policy lowers the request's): a templated route ('docs/{file}') by its literal prefix.
var keylessPathTest = join(map(keylessPaths, p => contains(p, '{') ? 'path.StartsWith("/${apiPath}/${split(p, '{')[0]}")' : 'path == "/${apiPath}/${p}"'), ' || ')

var apiPolicy = reduce(
  [
    { token: '__CORS_ALLOWED_ORIGINS__', value: corsOrigins }
    { token: '__ANONYMOUS_PATH_TEST__', value: anonymousPathTest }
    { token: '__KEYLESS_PATH_TEST__', value: empty(keylessPaths) ? 'false' : keylessPathTest }
    { token: '__SUBSCRIPTION_KEY_HEADER__', value: subscriptionKeyHeader }
    { token: '__SUBSCRIPTION_KEY_QUERY__', value: subscriptionKeyQuery }
    { token: '__TENANT_NAMED_VALUE__', value: tenantNamedValue.name }
    { token: '__AUDIENCE_NAMED_VALUE__', value: audienceNamedValue.name }
    { token: '__RATE_LIMIT_CALLS__', value: string(rateLimitCalls) }
    { token: '__RATE_LIMIT_PERIOD_SECONDS__', value: string(rateLimitPeriodSeconds) }
    { token: '__BACKEND_ID__', value: backend.name }
  ],
  loadTextContent('../policies/api.xml'),
  (xml, substitution) => replace(string(xml), substitution.token, substitution.value)
)

resource apiPolicyResource 'Microsoft.ApiManagement/service/apis/policies@2024-05-01' = {
  parent: api
  name: 'policy'
  properties: {
    // rawxml: policy expressions contain quotes that plain XML escaping would mangle.
    format: 'rawxml'
    value: apiPolicy
  }
}

resource product 'Microsoft.ApiManagement/service/products@2024-05-01' = {
  parent: apim
  name: names.apimProduct
  properties: {
    displayName: 'Caseload consumers'
    description: 'Access to the Caseload API. A subscription key and an Entra ID token are both required (health, the OpenAPI document and the docs page need neither).'
    subscriptionRequired: true
    approvalRequired: true
    state: 'published'
  }
}

resource productApi 'Microsoft.ApiManagement/service/products/apis@2024-05-01' = {
  parent: product
  name: api.name
}

var productPolicy = replace(
  replace(loadTextContent('../policies/product.xml'), '__QUOTA_CALLS__', string(quotaCalls)),
  '__QUOTA_PERIOD_SECONDS__',
  string(quotaPeriodSeconds)
)

resource productPolicyResource 'Microsoft.ApiManagement/service/products/policies@2024-05-01' = {
  parent: product
  name: 'policy'
  properties: {
    format: 'rawxml'
    value: productPolicy
  }
}

// The first consumer subscription. Its keys are generated by API Management and never appear in
// this template or its outputs; read or rotate them in the portal or with az rest (docs/deploy.md).
resource consumerSubscription 'Microsoft.ApiManagement/service/subscriptions@2024-05-01' = {
  parent: apim
  name: names.apimSubscription
  properties: {
    displayName: 'Caseload consumers (default)'
    scope: '/products/${product.name}'
    state: 'active'
    allowTracing: false
  }
}

output name string = apim.name
output id string = apim.id
output gatewayUrl string = apim.properties.gatewayUrl
