// Operations view and alerting: the workbook (bicep/workbooks/operations.json), an action group
// that emails the on-call address(es), and seven alerts: HTTP 5xx rate, function failures,
// dead-lettered messages, overdue backlog growth, GOV.UK Notify refusing the API key, events stuck
// in the outbox, and audit lag. docs/observability.md has each one's query, meaning and runbook
// (tests/infra/observability-doc.test.ts holds the two together).

param location string
param tags object
param names object

param appInsightsId string
param serviceBusNamespaceId string

@description('Addresses the action group emails; empty entries are ignored.')
param alertEmails array = []

@description('Alert when more than this percentage of requests in 15 minutes are 5xx.')
@minValue(1)
param http5xxRatePercent int = 5
@description('Alert when more than this many function invocations fail in 15 minutes.')
@minValue(0)
param functionFailureThreshold int = 5
@description('Alert when more than this many tasks become overdue in one hour.')
@minValue(0)
param overdueGrowthThreshold int = 100
@description('Alert when an event has waited in a task outbox longer than this many minutes (Service Bus refusing sends).')
@minValue(1)
param outboxStuckMinutes int = 10
@description('Alert when events take longer than this many minutes on average to reach the audit trail.')
@minValue(1)
param auditLagMinutes int = 5

var emails = filter(alertEmails, email => !empty(trim(string(email))))

// Action groups and metric alert rules are global resources in Azure Monitor (their location is
// 'global'); they store rule definitions, not application data.
resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: names.actionGroup
  location: 'global'
  tags: tags
  properties: {
    groupShortName: names.actionGroupShortName
    enabled: true
    emailReceivers: [
      for (email, i) in emails: {
        name: 'email-${i}'
        emailAddress: email
        useCommonAlertSchema: true
      }
    ]
  }
}

resource http5xxRate 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: names.alert5xx
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Caseload: HTTP 5xx rate above ${http5xxRatePercent}%'
    description: 'Share of HTTP requests answered with a 5xx status in the last 15 minutes.'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | where isnotempty(resultCode) and resultCode matches regex "^[0-9]+$" | summarize total = count(), failed = countif(toint(resultCode) >= 500) | extend ratePercent = iff(total == 0, 0.0, 100.0 * failed / total)'
          metricMeasureColumn: 'ratePercent'
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: http5xxRatePercent
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [actionGroup.id] }
  }
}

resource functionFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: names.alertFunctionFailures
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Caseload: function failures'
    description: 'Failed invocations of any function (HTTP, timers, Service Bus triggers) in the last 15 minutes, per function.'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | where success == false | project timestamp, operation_Name'
          timeAggregation: 'Count'
          dimensions: [{ name: 'operation_Name', operator: 'Include', values: ['*'] }]
          operator: 'GreaterThan'
          threshold: functionFailureThreshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [actionGroup.id] }
  }
}

resource overdueGrowth 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: names.alertOverdueGrowth
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Caseload: overdue backlog growing'
    description: 'The flagged overdue backlog (metric overdue.backlog, summed over jurisdictions) grew by more than the threshold within the last hour.'
    severity: 3
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          // Each scan reports the backlog per jurisdiction; growth = latest total minus earliest total in the window.
          query: 'customMetrics | where name == "overdue.backlog" | summarize backlog = sum(valueSum) by bin(timestamp, 5m) | summarize (firstAt, first) = arg_min(timestamp, backlog), (lastAt, last) = arg_max(timestamp, backlog) | extend growth = last - first'
          metricMeasureColumn: 'growth'
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: overdueGrowthThreshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [actionGroup.id] }
  }
}

// GOV.UK Notify refused the API key (403), also after the app read it again from Key Vault: no
// email goes out until the key is fixed (docs/notifications.md). Any occurrence pages.
resource notifyAuthFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: names.alertNotifyAuth
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Caseload: GOV.UK Notify refuses the API key'
    description: 'Notify answered 403 to the Notify API key from Key Vault (metric notify.authFailed): the key is wrong, revoked or expired. Set the new key in Key Vault; then replay GET /api/v1/admin/dead-letters/notifications.'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "notify.authFailed" | summarize failures = sum(valueSum)'
          metricMeasureColumn: 'failures'
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [actionGroup.id] }
  }
}

// Events wait in task outboxes only while Service Bus refuses them (or the relay cannot run): the
// oldest one's age, as each relay run (every 30 s) measures it, rising past the threshold.
resource outboxStuck 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: names.alertOutboxStuck
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Caseload: events stuck in the outbox for over ${outboxStuckMinutes} minutes'
    description: 'The oldest event waiting in a task outbox (metric outbox.oldestAgeMs, measured by every outbox-relay run) is older than the threshold: Service Bus is refusing or not answering sends. Events are safe in Cosmos; audit, counters and emails wait. See docs/observability.md, runbook "Outbox stuck".'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "outbox.oldestAgeMs" | summarize oldestAgeMinutes = max(valueMax) / 60000.0'
          metricMeasureColumn: 'oldestAgeMinutes'
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: outboxStuckMinutes
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [actionGroup.id] }
  }
}

// The audit trail falls behind: the average time from an event to its audit record.
resource auditLag 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: names.alertAuditLag
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Caseload: audit trail more than ${auditLagMinutes} minutes behind'
    description: 'Events take longer than the threshold, on average over 15 minutes, to reach the audit trail (metric audit.lagMs): the audit writer is failing and retrying, throttled, or the outbox is stuck. See docs/observability.md, runbook "Audit lag".'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "audit.lagMs" | summarize averageLagMinutes = sum(valueSum) / sum(valueCount) / 60000.0'
          metricMeasureColumn: 'averageLagMinutes'
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: auditLagMinutes
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [actionGroup.id] }
  }
}

// Platform metric: no diagnostic settings needed. Any dead letter on any entity is worth a look
// (GET /api/v1/admin/dead-letters/{entity}).
resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: names.alertDeadLetters
  location: 'global'
  tags: tags
  properties: {
    description: 'Dead-lettered messages on any queue or subscription of the Caseload namespace.'
    severity: 2
    enabled: true
    scopes: [serviceBusNamespaceId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [{ name: 'EntityName', operator: 'Include', values: ['*'] }]
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    autoMitigate: true
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: names.workbook
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: names.workbookDisplayName
    category: 'workbook'
    sourceId: appInsightsId
    version: 'Notebook/1.0'
    serializedData: replace(
      replace(loadTextContent('../workbooks/operations.json'), '__SERVICE_BUS_NAMESPACE_ID__', serviceBusNamespaceId),
      '__APP_INSIGHTS_ID__',
      appInsightsId
    )
  }
}

output actionGroupId string = actionGroup.id
output workbookId string = workbook.id
