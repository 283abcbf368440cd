// Service Bus: the task-events topic with its audit, notifications and counters subscriptions, and the
// overdue-tasks and operations queues, with the delivery settings the code assumes (definitions.bicep mirrors
// SERVICE_BUS_DELIVERY). SAS keys are disabled; the function identity gets data roles on the
// individual entities it uses, never on the namespace.
//
// Every subscription replaces the default accept-all rule with a SQL filter: messages addressed to
// nobody, or to it (application property addressedTo; shared/config/entities.ts
// subscriptionFilterExpression). The notifications consumer sends its scheduled retries and its
// digest and bulk-summary jobs to the topic addressed to its own subscription, so the audit
// subscription never sees them.

import { entityNames } from 'naming.bicep'
import { serviceBusDelivery } from 'definitions.bicep'

param location string
param tags object
param names object

@description('Standard is enough for topics, duplicate detection and dead-lettering; Premium adds isolation, private endpoints and zone redundancy.')
@allowed(['Standard', 'Premium'])
param sku string = 'Standard'

@description('Principal id of the function identity.')
param functionPrincipalId string

// Built-in role ids ("Azure built-in roles for Integration",
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/integration).
var dataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
var dataReceiver = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
var dataOwner = '090c5cfd-751d-490a-894a-3ce6f1109419'

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: names.serviceBus
  location: location
  tags: tags
  sku: {
    name: sku
    tier: sku
    capacity: sku == 'Premium' ? 1 : null
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    zoneRedundant: sku == 'Premium'
  }
}

resource taskEvents 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: entityNames.topics.taskEvents
  properties: {
    // messageId = event id: a re-publish by the outbox relay inside the window is dropped.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: serviceBusDelivery.duplicateDetectionHistoryTimeWindow
    defaultMessageTimeToLive: serviceBusDelivery.defaultMessageTimeToLive
    enableBatchedOperations: true
  }
}

resource auditSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: taskEvents
  name: entityNames.subscriptions.audit
  properties: {
    maxDeliveryCount: serviceBusDelivery.maxDeliveryCount
    lockDuration: serviceBusDelivery.lockDuration
    defaultMessageTimeToLive: serviceBusDelivery.defaultMessageTimeToLive
    deadLetteringOnMessageExpiration: serviceBusDelivery.deadLetteringOnMessageExpiration
    requiresSession: false
  }
}

// Filter: see the top of this file. Naming the rule $Default replaces the accept-all rule
// Service Bus creates with a subscription (another name would be OR-ed with it).
resource auditFilter 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = {
  parent: auditSubscription
  name: '$Default'
  properties: {
    filterType: 'SqlFilter'
    sqlFilter: {
      sqlExpression: 'NOT EXISTS(user.addressedTo) OR user.addressedTo = \'${entityNames.subscriptions.audit}\''
    }
  }
}

resource notificationsSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: taskEvents
  name: entityNames.subscriptions.notifications
  properties: {
    maxDeliveryCount: serviceBusDelivery.maxDeliveryCount
    lockDuration: serviceBusDelivery.lockDuration
    defaultMessageTimeToLive: serviceBusDelivery.defaultMessageTimeToLive
    // A notification two weeks late is no use; expiring quietly keeps the dead-letter queue (and
    // its alert) for what an operator must look at (NO_EXPIRY_DEAD_LETTERING in shared/config/entities.ts).
    deadLetteringOnMessageExpiration: false
    requiresSession: false
  }
}

resource notificationsFilter 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = {
  parent: notificationsSubscription
  name: '$Default'
  properties: {
    filterType: 'SqlFilter'
    sqlFilter: {
      sqlExpression: 'NOT EXISTS(user.addressedTo) OR user.addressedTo = \'${entityNames.subscriptions.notifications}\''
    }
  }
}

// The task-counters consumer keeps the counts behind GET /tasks/stats and the overdue backlog.
resource countersSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: taskEvents
  name: entityNames.subscriptions.counters
  properties: {
    maxDeliveryCount: serviceBusDelivery.maxDeliveryCount
    lockDuration: serviceBusDelivery.lockDuration
    defaultMessageTimeToLive: serviceBusDelivery.defaultMessageTimeToLive
    deadLetteringOnMessageExpiration: serviceBusDelivery.deadLetteringOnMessageExpiration
    requiresSession: false
  }
}

resource countersFilter 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = {
  parent: countersSubscription
  name: '$Default'
  properties: {
    filterType: 'SqlFilter'
    sqlFilter: {
      sqlExpression: 'NOT EXISTS(user.addressedTo) OR user.addressedTo = \'${entityNames.subscriptions.counters}\''
    }
  }
}

resource overdueTasks 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: entityNames.queues.overdueTasks
  properties: {
    // messageId = overdue:<task>:<due date>: a rescan inside the window is dropped.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: serviceBusDelivery.duplicateDetectionHistoryTimeWindow
    maxDeliveryCount: serviceBusDelivery.maxDeliveryCount
    lockDuration: serviceBusDelivery.lockDuration
    defaultMessageTimeToLive: serviceBusDelivery.defaultMessageTimeToLive
    deadLetteringOnMessageExpiration: serviceBusDelivery.deadLetteringOnMessageExpiration
    requiresSession: false
    enableBatchedOperations: true
  }
}

resource operationsQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: entityNames.queues.operations
  properties: {
    // One message per chunk of a long-running operation; a re-dispatched chunk is dropped.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: serviceBusDelivery.duplicateDetectionHistoryTimeWindow
    maxDeliveryCount: serviceBusDelivery.maxDeliveryCount
    lockDuration: serviceBusDelivery.lockDuration
    defaultMessageTimeToLive: serviceBusDelivery.defaultMessageTimeToLive
    deadLetteringOnMessageExpiration: serviceBusDelivery.deadLetteringOnMessageExpiration
    requiresSession: false
    enableBatchedOperations: true
  }
}

// Sender on task-events: every task write publishes there, the outbox relay re-publishes, the
// admin replay of the audit/notifications/counters dead letters sends back to it, and the
// notifications consumer sends its scheduled retries and jobs there (addressed to its subscription).
resource taskEventsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(taskEvents.id, functionPrincipalId, dataSender)
  scope: taskEvents
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataSender)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Sender on overdue-tasks: overdue-scan queues candidates; the admin replay sends dead letters back.
resource overdueTasksSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(overdueTasks.id, functionPrincipalId, dataSender)
  scope: overdueTasks
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataSender)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Receiver on audit: the audit-writer trigger, and the admin dead-letter list/replay.
resource auditReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(auditSubscription.id, functionPrincipalId, dataReceiver)
  scope: auditSubscription
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataReceiver)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Receiver on notifications: the notifications-sender trigger, and the admin dead-letter list/replay.
resource notificationsReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(notificationsSubscription.id, functionPrincipalId, dataReceiver)
  scope: notificationsSubscription
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataReceiver)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Receiver on counters: the task-counters trigger, and the admin dead-letter list/replay.
resource countersReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(countersSubscription.id, functionPrincipalId, dataReceiver)
  scope: countersSubscription
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataReceiver)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Receiver on overdue-tasks: the overdue-process trigger, and the admin dead-letter list/replay.
resource overdueTasksReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(overdueTasks.id, functionPrincipalId, dataReceiver)
  scope: overdueTasks
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataReceiver)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Sender on operations: long-running operations dispatch their chunks; the admin replay sends
// dead letters back.
resource operationsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(operationsQueue.id, functionPrincipalId, dataSender)
  scope: operationsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataSender)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Receiver on operations: the chunk processor, and the admin dead-letter list/replay.
resource operationsReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(operationsQueue.id, functionPrincipalId, dataReceiver)
  scope: operationsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataReceiver)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Scaling: Azure Service Bus Data Owner on exactly the entities a trigger listens on (the audit,
// notifications and counters subscriptions, the overdue-tasks and operations queues), for the Flex Consumption scale controller.
// - "Target-based scaling" (https://learn.microsoft.com/azure/azure-functions/functions-target-based-scaling),
//   on by default for Flex Consumption apps: "Scale efficiency: For the Service Bus extension, use
//   Manage rights on resources for the most efficient scaling. With Listen rights scaling reverts to
//   incremental scale because the queue or topic length can't be used to inform scaling decisions."
//   The extension's target scaler reads the queue's or subscription's runtime properties (active
//   message count); of the built-in Service Bus roles only Data Owner includes Manage (Receiver is
//   receive-only).
// - The trigger itself needs only Data Receiver, assigned above ("Azure Service Bus bindings for Azure
//   Functions" → Connections → Identity-based connections → grant permission to the identity,
//   https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger#connections:
//   "Trigger: Azure Service Bus Data Receiver, Azure Service Bus Data Owner"; "For triggering from
//   Service Bus topics, the role assignment needs to have effective scope over the Service Bus
//   subscription resource."). So removing these costs scaling precision, not triggering.
// Least privilege: scoped to the triggered queue or subscription, the smallest scope the target
// scaler reads, never the topic or namespace.
// Data Owner there also lets the identity manage that one entity; docs/adr/0003-infrastructure.md.
//
// The operations console (/api/console, GET /api/v1/admin/overview) reads the same runtime
// properties of the same entities (every queue and subscription operators look after,
// DEAD_LETTER_SOURCES in shared/config/entities.ts) through ServiceBusAdministrationClient
// (getQueueRuntimeProperties / getSubscriptionRuntimeProperties, the namespace's HTTPS management
// endpoint), which needs the Manage right on the entity: these assignments are what it uses, and
// the least that allows it (docs/observability.md, "Reading Service Bus runtime properties";
// tests/infra/rbac.test.ts holds both uses to them).
resource auditScaleOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(auditSubscription.id, functionPrincipalId, dataOwner)
  scope: auditSubscription
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwner)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource notificationsScaleOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(notificationsSubscription.id, functionPrincipalId, dataOwner)
  scope: notificationsSubscription
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwner)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource countersScaleOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(countersSubscription.id, functionPrincipalId, dataOwner)
  scope: countersSubscription
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwner)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource overdueTasksScaleOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(overdueTasks.id, functionPrincipalId, dataOwner)
  scope: overdueTasks
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwner)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operationsScaleOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(operationsQueue.id, functionPrincipalId, dataOwner)
  scope: operationsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwner)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output id string = namespace.id
output name string = namespace.name
// The namespace host name, e.g. sb-caseload-dev-xxxx.servicebus.windows.net (no key in it).
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
