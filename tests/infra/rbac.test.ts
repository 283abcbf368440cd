import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_SOURCES, QUEUES, TOPICS } from '../../shared/config/entities.js';
import { evaluate, scopeOf } from './bicep-evaluate.js';
import { referencedNames, sourceText } from './bicep-tree.js';
import { allResources, REPO_ROOT, resourcesOf, resourcesOfType, symbolOf, type Resource } from './templates.js';

/** Built-in Azure roles by id (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const ROLE = {
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  /** Only on triggered entities, for target-based scaling (tested below). */
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  /** Gets user delegation keys (to sign attachment SAS URLs), nothing else: account scope by necessity. */
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
} as const;

/** The custom role reading blob index tags (Defender's verdicts), as attachments.bicep assigns it. */
const TAG_READER_ROLE = "<subscriptionResourceId('Microsoft.Authorization/roleDefinitions', tagReaderRole.name)>";

/** Roles broader than the app needs: control-plane or key-reading. (Service Bus Data Owner: see its own test.) */
const FORBIDDEN_ROLES: Readonly<Record<string, string>> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  '5bd9cd88-fe45-4216-938b-f97437e15450': 'DocumentDB Account Contributor (can list keys)',
  '230815da-be43-4aae-9cb4-875f7bd000aa': 'Cosmos DB Operator',
  'fbdf93bf-df7d-467e-a4d2-9458aa1360c8': 'Cosmos DB Account Reader Role (can read read-only keys)',
  '17d1049b-9a84-46fb-8f53-869881c3d3ab': 'Storage Account Contributor (can list keys)',
  '81a9662b-bebf-436f-a333-f67b29880f12': 'Storage Account Key Operator Service Role',
  '00482a5a-887f-4fb3-b363-3b7fe8e74483': 'Key Vault Administrator',
};

const COSMOS_DATA_CONTRIBUTOR = '00000000-0000-0000-0000-000000000002';

interface Assignment {
  resource: Resource;
  roleId: string;
  /** The resource the assignment is scoped to. */
  target: Resource | undefined;
}

function roleAssignments(): Assignment[] {
  return resourcesOfType('Microsoft.Authorization/roleAssignments').map((resource) => {
    const roleExpr = resource.get('properties.roleDefinitionId');
    // subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <var holding the role id>)
    const idArg = roleExpr?.type === 'call' ? roleExpr.args[1] : undefined;
    const roleId = idArg ? evaluate(idArg, scopeOf(resource.file)) : undefined;
    const scopeSymbol = symbolOf(resource.get('scope'));
    const target = resourcesOf(resource.file, { includeExisting: true }).find((r) => r.statement.name === scopeSymbol);
    return { resource, roleId: typeof roleId === 'string' ? roleId : `<${roleExpr && sourceText(resource.file, roleExpr)}>`, target };
  });
}

const describeTarget = (a: Assignment) => (a.target ? `${a.target.statement.resourceType} ${String(a.target.value('name'))}` : 'an unknown scope');

function has(roleId: string, type: string, name?: string): boolean {
  return roleAssignments().some(
    (a) => a.roleId === roleId && a.target?.statement.resourceType === type && (name === undefined || a.target.value('name') === name),
  );
}

/** Entities the function triggers listen on, read from the registerConsumer() calls in functions/*.ts. */
function triggerEntities(): { subscriptions: string[]; queues: string[] } {
  const dir = join(REPO_ROOT, 'functions');
  const subscriptions: string[] = [];
  const queues: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/subscription:\s*TOPICS\.(\w+)\.subscriptions\.(\w+)/g)) {
      subscriptions.push((TOPICS as Record<string, { subscriptions: Record<string, string> }>)[m[1]!]!.subscriptions[m[2]!]!);
    }
    for (const m of text.matchAll(/from:\s*\{\s*queue:\s*QUEUES\.(\w+)\.name/g)) {
      queues.push((QUEUES as Record<string, { name: string }>)[m[1]!]!.name);
    }
  }
  return { subscriptions, queues };
}

describe('the function identity has every role it needs, scoped to the resource it uses', () => {
  it('role assignments are made to the function identity, as a service principal, with deterministic names', () => {
    for (const a of roleAssignments()) {
      const principal = a.resource.get('properties.principalId');
      expect(principal && referencedNames(principal).some((n) => /PrincipalId$/.test(n)), `${a.resource.label}: principalId`).toBe(true);
      expect(a.resource.value('properties.principalType'), `${a.resource.label}: principalType`).toBe('ServicePrincipal');
      expect(a.resource.text('name'), `${a.resource.label}: name`).toMatch(/^guid\(/);
      expect(a.target, `${a.resource.label}: scope must be a resource declared in the same module`).toBeDefined();
    }
  });

  // Sends: every task write publishes to each topic; the app owns its queues and sends to them
  // (overdue-scan, and the admin replay of dead letters sends to each replayTo target).
  const sendTopics = () => [...new Set([...Object.values(TOPICS).map((t) => t.name), ...Object.values(DEAD_LETTER_SOURCES).filter((s) => 'topic' in s).map((s) => s.replayTo)])];
  const sendQueues = () => [...new Set([...Object.values(QUEUES).map((q) => q.name), ...Object.values(DEAD_LETTER_SOURCES).filter((s) => 'queue' in s).map((s) => s.replayTo)])];

  it('Azure Service Bus Data Sender on each topic and queue the app sends to', () => {
    const missing = [
      ...sendTopics().filter((t) => !has(ROLE.serviceBusDataSender, 'Microsoft.ServiceBus/namespaces/topics', t)).map((t) => `topic ${t}`),
      ...sendQueues().filter((q) => !has(ROLE.serviceBusDataSender, 'Microsoft.ServiceBus/namespaces/queues', q)).map((q) => `queue ${q}`),
    ];
    expect(missing, 'entities the app sends to without a Data Sender assignment').toEqual([]);
  });

  it('Azure Service Bus Data Receiver on each subscription and queue the app receives from (triggers and dead-letter admin)', () => {
    const triggers = triggerEntities();
    expect(triggers.subscriptions.length + triggers.queues.length, 'found the Service Bus triggers in functions/').toBeGreaterThan(0);
    const subscriptions = new Set([...triggers.subscriptions, ...Object.values(DEAD_LETTER_SOURCES).flatMap((s) => ('subscription' in s ? [s.subscription] : []))]);
    const queues = new Set([...triggers.queues, ...Object.values(DEAD_LETTER_SOURCES).flatMap((s) => ('queue' in s ? [s.queue] : []))]);
    const missing = [
      ...[...subscriptions].filter((s) => !has(ROLE.serviceBusDataReceiver, 'Microsoft.ServiceBus/namespaces/topics/subscriptions', s)).map((s) => `subscription ${s}`),
      ...[...queues].filter((q) => !has(ROLE.serviceBusDataReceiver, 'Microsoft.ServiceBus/namespaces/queues', q)).map((q) => `queue ${q}`),
    ];
    expect(missing, 'entities the app receives from without a Data Receiver assignment').toEqual([]);
  });

  // Target-based scaling (on by default on Flex Consumption) needs Manage rights on the entity a
  // trigger reads: "use Manage rights on resources for the most efficient scaling. With Listen rights
  // scaling reverts to incremental scale" (https://learn.microsoft.com/azure/azure-functions/functions-target-based-scaling).
  // Data Owner is the built-in role with Manage; it is allowed on exactly those entities and nowhere
  // else (not the topic, the namespace, or the notifications subscription, which has no trigger).
  /** The queues and subscriptions whose runtime properties the operations console reads (GET /v1/admin/overview). */
  const consoleEntities = () => Object.values(DEAD_LETTER_SOURCES).map((s) => ('queue' in s ? `Microsoft.ServiceBus/namespaces/queues ${s.queue}` : `Microsoft.ServiceBus/namespaces/topics/subscriptions ${s.subscription}`));

  // Reading runtime properties through the management endpoint (ServiceBusAdministrationClient)
  // needs the Manage right, which among the built-in roles only Data Owner holds: Data Receiver's
  // and Data Sender's only data actions are receive and send (docs/observability.md).
  it('Azure Service Bus Data Owner on every queue and subscription the operations console reads runtime properties of', () => {
    const owned = roleAssignments().filter((a) => a.roleId === ROLE.serviceBusDataOwner).map(describeTarget);
    expect(consoleEntities().length).toBeGreaterThan(0);
    expect(consoleEntities().filter((entity) => !owned.includes(entity)), 'console entities without Data Owner').toEqual([]);
  });

  it('Azure Service Bus Data Owner (Manage rights, for target-based scaling and the console) on exactly the subscriptions and queues a trigger listens on or the console reads', () => {
    const triggers = triggerEntities();
    const expected = [
      ...new Set([
        ...triggers.subscriptions.map((s) => `Microsoft.ServiceBus/namespaces/topics/subscriptions ${s}`),
        ...triggers.queues.map((q) => `Microsoft.ServiceBus/namespaces/queues ${q}`),
        ...consoleEntities(),
      ]),
    ].sort();
    expect(expected.length, 'found the Service Bus triggers in functions/').toBeGreaterThan(0);
    const owners = roleAssignments()
      .filter((a) => a.roleId === ROLE.serviceBusDataOwner)
      .map(describeTarget)
      .sort();
    expect(owners, 'Data Owner assignments: one per triggered queue or subscription, none elsewhere').toEqual(expected);
  });

  it('Service Bus roles are never scoped to the namespace', () => {
    const namespaceWide = roleAssignments().filter((a) => a.target?.statement.resourceType === 'Microsoft.ServiceBus/namespaces');
    expect(namespaceWide.map((a) => a.resource.label)).toEqual([]);
  });

  it('Cosmos DB Built-in Data Contributor (data plane) on the account', () => {
    const assignments = resourcesOfType('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
    // roleDefinitionId is '${account.id}/sqlRoleDefinitions/${<role id>}': evaluate the role id part.
    const roleOf = (a: Resource) => {
      const expr = a.get('properties.roleDefinitionId');
      if (expr?.type !== 'string' || !expr.segments.some((segment) => segment.includes('/sqlRoleDefinitions/'))) return undefined;
      const last = expr.holes.at(-1);
      return last ? evaluate(last, scopeOf(a.file)) : expr.segments.at(-1);
    };
    const roles = assignments.map(roleOf);
    expect(roles.filter((r) => r !== COSMOS_DATA_CONTRIBUTOR && r !== '00000000-0000-0000-0000-000000000001'), 'only the built-in data roles').toEqual([]);
    const contributor = assignments.find((a) => roleOf(a) === COSMOS_DATA_CONTRIBUTOR);
    expect(contributor, 'a sqlRoleAssignment with the built-in Data Contributor role').toBeDefined();
    expect(referencedNames(contributor!.get('properties.principalId')!)).toEqual(['functionPrincipalId']);
    expect(contributor!.text('properties.scope')).toMatch(/^(account\.id|'\$\{account\.id\}\/dbs\/\$\{databaseName\}')$/);
    // Only built-in data roles: no custom role definitions that could grant more.
    expect(resourcesOfType('Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions')).toEqual([]);
  });

  it('Key Vault Secrets User on the vault', () => {
    expect(has(ROLE.keyVaultSecretsUser, 'Microsoft.KeyVault/vaults'), 'Key Vault Secrets User on the vault').toBe(true);
  });

  it('the storage roles the Functions host needs: Blob Data Owner and Table Data Contributor on the host storage account', () => {
    expect(has(ROLE.storageBlobDataOwner, 'Microsoft.Storage/storageAccounts'), 'Storage Blob Data Owner (host coordination, timer locks, deployment package)').toBe(true);
    expect(has(ROLE.storageTableDataContributor, 'Microsoft.Storage/storageAccounts'), 'Storage Table Data Contributor (host diagnostic events)').toBe(true);
  });

  it('attachments: Storage Blob Delegator on the attachments account, Blob Data Contributor on its container only, and nothing account-wide that reads data', () => {
    const attachments = roleAssignments().filter((a) => a.resource.file.path.endsWith('attachments.bicep'));
    const granted = attachments.map((a) => `${a.roleId} on ${a.target?.statement.resourceType}`).sort();
    expect(granted).toEqual(
      [
        `${ROLE.storageBlobDelegator} on Microsoft.Storage/storageAccounts`,
        `${ROLE.storageBlobDataContributor} on Microsoft.Storage/storageAccounts/blobServices/containers`,
        `${TAG_READER_ROLE} on Microsoft.Storage/storageAccounts/blobServices/containers`,
      ].sort(),
    );
    const [definition] = resourcesOfType('Microsoft.Authorization/roleDefinitions');
    expect(definition!.text('properties.permissions')?.replace(/\s+/g, ' ')).toContain("dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/read']");
    expect(definition!.text('properties.permissions')).toMatch(/actions: \[\]/);
  });

  it('Monitoring Metrics Publisher on Application Insights (Entra-authenticated telemetry)', () => {
    expect(has(ROLE.monitoringMetricsPublisher, 'Microsoft.Insights/components'), 'Monitoring Metrics Publisher on the component').toBe(true);
  });

  it('no broader role anywhere (Owner, Contributor, key-reading roles, any role not reviewed above)', () => {
    const broad = roleAssignments()
      .filter((a) => a.roleId in FORBIDDEN_ROLES || (!Object.values(ROLE).includes(a.roleId as never) && a.roleId !== TAG_READER_ROLE))
      .map((a) => `${a.resource.label}: ${FORBIDDEN_ROLES[a.roleId] ?? `unreviewed role ${a.roleId}`} on ${describeTarget(a)}`);
    expect(broad).toEqual([]);
  });

  it('every Azure RBAC assignment is in a module, not at subscription or resource-group scope', () => {
    const main = allResources().filter((r) => r.file.path.endsWith('main.bicep') && r.statement.resourceType === 'Microsoft.Authorization/roleAssignments');
    expect(main.map((r) => r.label)).toEqual([]);
  });
});
