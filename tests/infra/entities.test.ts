import { describe, expect, it } from 'vitest';
import { CONTAINERS, IDEMPOTENCY_RETENTION_SECONDS, NO_EXPIRY_DEAD_LETTERING, QUEUES, SERVICE_BUS_DELIVERY, TOPICS, subscriptionFilterExpression } from '../../shared/config/entities.js';
import { CONTAINER_DEFINITIONS } from '../../shared/store/container-definitions.js';
import { isoDurationSeconds, moduleFile, resourcesOfType, symbolOf, varValue, type Resource } from './templates.js';

/** Bicep's containers (definitions.bicep), by id. */
function bicepContainers(): Map<string, { partitionKey: { paths: string[] }; indexingPolicy: unknown; defaultTtl?: number }> {
  const value = varValue(moduleFile('definitions'), 'containers');
  if (!Array.isArray(value)) throw new Error('definitions.bicep: containers must be an array literal');
  return new Map(value.map((c) => [(c as { id: string }).id, c as never]));
}

describe('Cosmos DB containers match shared/store/container-definitions.ts', () => {
  it('every container the code defines is provisioned, and nothing else', () => {
    const bicep = [...bicepContainers().keys()].sort();
    const code = CONTAINER_DEFINITIONS.map((d) => d.id).sort();
    expect(bicep, 'containers in bicep/modules/definitions.bicep vs CONTAINER_DEFINITIONS').toEqual(code);
    // And the entity list the code names (CONTAINERS) is covered too.
    for (const container of Object.values(CONTAINERS)) {
      expect(bicepContainers().has(container.name), `container ${container.name} (CONTAINERS) is not provisioned`).toBe(true);
      expect(bicepContainers().get(container.name)?.partitionKey.paths, `partition key of ${container.name}`).toEqual([container.partitionKeyPath]);
    }
  });

  for (const definition of CONTAINER_DEFINITIONS) {
    it(`container ${definition.id}: partition key and indexing policy (composite indexes included) are identical`, () => {
      const bicep = bicepContainers().get(definition.id!);
      expect(bicep, `container ${definition.id} is missing from bicep/modules/definitions.bicep`).toBeDefined();
      expect(bicep!.partitionKey.paths, `partition key of ${definition.id}`).toEqual(definition.partitionKey && 'paths' in definition.partitionKey ? definition.partitionKey.paths : definition.partitionKey);
      expect(bicep!.indexingPolicy, `indexing policy of ${definition.id}`).toEqual(definition.indexingPolicy);
      expect(bicep!.defaultTtl, `defaultTtl (item time to live) of ${definition.id}`).toEqual(definition.defaultTtl);
    });
  }

  it('cosmos.bicep creates one container per definition, with those values', () => {
    const [containers] = resourcesOfType('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
    const loop = containers!.statement.value;
    expect(loop.type === 'for' && loop.source.type === 'ident' && loop.source.name, 'loop over the imported containers').toBe('containers');
    expect(containers!.text('properties.resource.partitionKey.paths')).toBe('container.partitionKey.paths');
    expect(containers!.value('properties.resource.partitionKey.kind')).toBe('Hash');
    expect(containers!.value('properties.resource.partitionKey.version')).toBe(2);
    expect(containers!.text('properties.resource.indexingPolicy')).toBe('container.indexingPolicy');
    expect(containers!.text('properties.resource.id')).toBe('container.id');
    expect(containers!.text('properties.resource.defaultTtl'), 'TTL from the definition, where it sets one').toBe('container.?defaultTtl');
  });

  it('idempotency records expire after IDEMPOTENCY_RETENTION_SECONDS (container TTL)', () => {
    expect(bicepContainers().get(CONTAINERS.idempotency.name)?.defaultTtl).toBe(IDEMPOTENCY_RETENTION_SECONDS);
  });

  it('serverless or autoscale is a parameter; continuous backup is on', () => {
    const [account] = resourcesOfType('Microsoft.DocumentDB/databaseAccounts');
    expect(account!.text('properties.capabilities')).toContain("throughputMode == 'serverless' ? [{ name: 'EnableServerless' }]");
    expect(account!.value('properties.backupPolicy.type')).toBe('Continuous');
    const [database] = resourcesOfType('Microsoft.DocumentDB/databaseAccounts/sqlDatabases');
    expect(database!.text('properties.options')).toContain('autoscaleSettings: { maxThroughput: autoscaleMaxThroughput }');
  });
});

describe('Service Bus entities match shared/config/entities.ts', () => {
  const topics = () => resourcesOfType('Microsoft.ServiceBus/namespaces/topics');
  const subscriptions = () => resourcesOfType('Microsoft.ServiceBus/namespaces/topics/subscriptions');
  const queues = () => resourcesOfType('Microsoft.ServiceBus/namespaces/queues');
  const named = (resources: Resource[], name: string) => resources.find((r) => r.value('name') === name);

  const expectDelivery = (resource: Resource, subscription?: string) => {
    const label = resource.label;
    expect(resource.value('properties.maxDeliveryCount'), `${label} maxDeliveryCount`).toBe(SERVICE_BUS_DELIVERY.maxDeliveryCount);
    expect(isoDurationSeconds(resource.value('properties.lockDuration') as string), `${label} lockDuration`).toBe(SERVICE_BUS_DELIVERY.lockDurationSeconds);
    // Expired notifications are dropped, not dead-lettered (NO_EXPIRY_DEAD_LETTERING); everything else is dead-lettered.
    const deadLetterOnExpiry = SERVICE_BUS_DELIVERY.deadLetteringOnMessageExpiration && !(subscription && NO_EXPIRY_DEAD_LETTERING.includes(subscription));
    expect(resource.value('properties.deadLetteringOnMessageExpiration'), `${label} deadLetteringOnMessageExpiration`).toBe(deadLetterOnExpiry);
    expect(isoDurationSeconds(resource.value('properties.defaultMessageTimeToLive') as string), `${label} defaultMessageTimeToLive`).toBe(SERVICE_BUS_DELIVERY.defaultMessageTimeToLiveDays * 86400);
  };
  const expectDuplicateDetection = (resource: Resource) => {
    expect(resource.value('properties.requiresDuplicateDetection'), `${resource.label} requiresDuplicateDetection`).toBe(true);
    expect(isoDurationSeconds(resource.value('properties.duplicateDetectionHistoryTimeWindow') as string), `${resource.label} duplicate detection window`).toBe(
      SERVICE_BUS_DELIVERY.duplicateDetectionWindowMinutes * 60,
    );
  };

  for (const topic of Object.values(TOPICS)) {
    it(`topic ${topic.name}: provisioned with duplicate detection and the message TTL`, () => {
      const resource = named(topics(), topic.name);
      expect(resource, `topic ${topic.name} is not provisioned in bicep/modules/servicebus.bicep`).toBeDefined();
      expectDuplicateDetection(resource!);
      expect(isoDurationSeconds(resource!.value('properties.defaultMessageTimeToLive') as string)).toBe(SERVICE_BUS_DELIVERY.defaultMessageTimeToLiveDays * 86400);
    });

    for (const subscription of Object.values(topic.subscriptions)) {
      it(`subscription ${topic.name}/${subscription}: provisioned with the delivery settings`, () => {
        const topicResource = named(topics(), topic.name);
        const resource = subscriptions().find((r) => r.value('name') === subscription && symbolOf(r.get('parent')) === topicResource?.statement.name);
        expect(resource, `subscription ${subscription} of ${topic.name} is not provisioned`).toBeDefined();
        expectDelivery(resource!, subscription);
      });

      it(`subscription ${topic.name}/${subscription}: its $Default rule takes messages addressed to nobody or to it`, () => {
        const subscriptionResource = subscriptions().find((r) => r.value('name') === subscription);
        const rules = resourcesOfType('Microsoft.ServiceBus/namespaces/topics/subscriptions/rules').filter((r) => symbolOf(r.get('parent')) === subscriptionResource?.statement.name);
        // Named $Default, the rule replaces the accept-all one; a second rule would be OR-ed with it.
        expect(rules.map((r) => r.value('name')), `rules of ${subscription}`).toEqual(['$Default']);
        expect(rules[0]!.value('properties.filterType')).toBe('SqlFilter');
        expect(rules[0]!.value('properties.sqlFilter.sqlExpression')).toBe(subscriptionFilterExpression(subscription));
      });
    }
  }

  for (const queue of Object.values(QUEUES)) {
    it(`queue ${queue.name}: provisioned with duplicate detection and the delivery settings`, () => {
      const resource = named(queues(), queue.name);
      expect(resource, `queue ${queue.name} is not provisioned in bicep/modules/servicebus.bicep`).toBeDefined();
      expectDuplicateDetection(resource!);
      expectDelivery(resource!);
    });
  }

  it('nothing is provisioned that the code does not name', () => {
    const codeTopics = Object.values(TOPICS).map((t) => t.name);
    const codeSubscriptions = Object.values(TOPICS).flatMap((t) => Object.values(t.subscriptions) as string[]);
    const codeQueues = Object.values(QUEUES).map((q) => q.name);
    expect(topics().map((r) => r.value('name')).filter((n) => !codeTopics.includes(n as string))).toEqual([]);
    expect(subscriptions().map((r) => r.value('name')).filter((n) => !codeSubscriptions.includes(n as string))).toEqual([]);
    expect(queues().map((r) => r.value('name')).filter((n) => !codeQueues.includes(n as never))).toEqual([]);
  });

  it('the namespace tier is a parameter (Standard or Premium)', () => {
    const [namespace] = resourcesOfType('Microsoft.ServiceBus/namespaces');
    expect(namespace!.text('sku.name')).toBe('sku');
  });
});
