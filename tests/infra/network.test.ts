import { describe, expect, it } from 'vitest';
import type { Expr } from './bicep-reader.js';
import { findStatement, statementsOf } from './bicep-tree.js';
import {
  allResources,
  deployedWith,
  evaluate,
  mainFile,
  moduleArgExprs,
  moduleArgs,
  moduleArgText,
  moduleFile,
  moduleNameOf,
  paramDefault,
  paramFiles,
  paramFileValues,
  prop,
  resourcesOf,
  resourcesOfType,
  scopeOf,
  shortPath,
  sourceText,
  symbolOf,
  Unknown,
  type Resource,
  type Value,
} from './templates.js';

/**
 * What the Function App talks to, and how it could reach each privately. Subresource (groupId) and
 * zone names from "Azure Private Endpoint private DNS zone values"
 * (https://learn.microsoft.com/azure/private-link/private-endpoint-dns). A resource whose public
 * access an environment turns off must have a private endpoint for every listed subresource, with its
 * zone, in that environment; one with no private link listed must keep public access on everywhere.
 */
const APP_DEPENDENCIES: Readonly<Record<string, { publicAccess: string; privateLinks: { groupId: string; zone: string }[]; why: string }>> = {
  'Microsoft.KeyVault/vaults': {
    publicAccess: 'properties.publicNetworkAccess',
    privateLinks: [{ groupId: 'vault', zone: 'privatelink.vaultcore.azure.net' }],
    why: 'Key Vault references (CURSOR_KEYS) and @azure/keyvault-secrets',
  },
  'Microsoft.DocumentDB/databaseAccounts': {
    publicAccess: 'properties.publicNetworkAccess',
    privateLinks: [{ groupId: 'Sql', zone: 'privatelink.documents.azure.com' }],
    why: 'the store (NoSQL API)',
  },
  'Microsoft.ServiceBus/namespaces': {
    publicAccess: 'properties.publicNetworkAccess',
    privateLinks: [{ groupId: 'namespace', zone: 'privatelink.servicebus.windows.net' }],
    why: 'events, triggers and the outbox relay',
  },
  'Microsoft.Storage/storageAccounts': {
    publicAccess: 'properties.publicNetworkAccess',
    // The host uses blob (locks, keys, deployment package) and table (diagnostic events); no queue.
    privateLinks: [
      { groupId: 'blob', zone: 'privatelink.blob.core.windows.net' },
      { groupId: 'table', zone: 'privatelink.table.core.windows.net' },
    ],
    why: 'host storage and the deployment package',
  },
  // Azure Monitor's private path is a private link scope (AMPLS), which these templates do not
  // build: ingestion must stay public.
  'Microsoft.Insights/components': { publicAccess: 'properties.publicNetworkAccessForIngestion', privateLinks: [], why: 'telemetry' },
  'Microsoft.OperationalInsights/workspaces': { publicAccess: 'properties.publicNetworkAccessForIngestion', privateLinks: [], why: 'telemetry lands here' },
};

/** Resources with a public network access switch that the app does not call out to. */
const INBOUND_ONLY: Readonly<Record<string, string>> = {
  'Microsoft.Web/sites': 'the Function App itself: its main site denies public traffic; public access stays on for the scm site',
  'Microsoft.ApiManagement/service': 'the public entry point of the API',
};

const FLEX_DELEGATION = 'Microsoft.App/environments';

/** main.bicep's defaults (what azd deploys) and each environment's parameter file. */
const environments = (): { name: string; params: Record<string, Value> }[] => [
  { name: 'main.bicep defaults (azd)', params: {} },
  ...paramFiles().map((file) => ({ name: shortPath(file), params: paramFileValues(file) })),
];

const network = () => moduleFile('network');

/** The network.bicep output main.bicep passes to a module parameter (`network.outputs.<name>`). */
function networkOutputFor(module: string, param: string): string | undefined {
  return /^network\.outputs\.(\w+)$/.exec(moduleArgText(module, param) ?? '')?.[1];
}

const arrayItems = (expr: Expr | undefined): Expr[] => (expr?.type === 'array' ? expr.items : []);

/** The subnet a network.bicep output names: resourceId('Microsoft.Network/virtualNetworks/subnets', <vnet>.name, <name>). */
function subnetOfOutput(output: string): { vnet: Resource; subnet: Expr } | undefined {
  const file = network();
  const expr = findStatement(file, 'output', output)?.value;
  if (expr?.type !== 'call' || sourceText(file, expr.callee) !== 'resourceId' || expr.args.length !== 3) return undefined;
  if (evaluate(expr.args[0]!, scopeOf(file)) !== 'Microsoft.Network/virtualNetworks/subnets') return undefined;
  const vnetSymbol = /^(\w+)\.name$/.exec(sourceText(file, expr.args[1]!))?.[1];
  const vnet = resourcesOf(file).find((r) => r.statement.name === vnetSymbol && r.statement.resourceType === 'Microsoft.Network/virtualNetworks');
  const subnet = arrayItems(vnet?.get('properties.subnets')).find((s) => {
    const name = prop(s, 'name');
    return name && sourceText(file, name) === sourceText(file, expr.args[2]!);
  });
  return vnet && subnet ? { vnet, subnet } : undefined;
}

/** The private DNS zone a network.bicep output names (`<zone>.id`). */
function zoneOfOutput(output: string): Resource | undefined {
  const file = network();
  const value = findStatement(file, 'output', output)?.value;
  const symbol = value && /^(\w+)\.id$/.exec(sourceText(file, value))?.[1];
  return resourcesOf(file).find((r) => r.statement.name === symbol && r.statement.resourceType === 'Microsoft.Network/privateDnsZones');
}

function cidr(range: string): { start: number; end: number; bits: number } {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(range);
  if (!match) throw new Error(`not an IPv4 CIDR range: ${range}`);
  const [a, b, c, d, bits] = match.slice(1).map(Number) as [number, number, number, number, number];
  const address = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const size = 2 ** (32 - bits);
  if (address % size !== 0) throw new Error(`${range}: host bits set`);
  return { start: address, end: address + size - 1, bits };
}

/** Every problem with the private path from the Function App to a resource in one environment. */
function privatePathProblems(target: Resource, links: { groupId: string; zone: string }[], mainParams: Record<string, Value>): string[] {
  const problems: string[] = [];
  const module = moduleNameOf(target.file);
  const args = moduleArgs(module, mainParams);
  const networkArgs = moduleArgs('network', mainParams);

  // The app's way into the VNet: its outbound integration.
  if (networkOutputFor('functionapp', 'virtualNetworkSubnetId') !== 'functionSubnetId') problems.push('the Function App has no outbound VNet integration');
  const [site] = resourcesOfType('Microsoft.Web/sites');
  if (site!.text('properties.virtualNetworkSubnetId') !== 'virtualNetworkSubnetId') problems.push('the site does not join the integration subnet');
  const integration = subnetOfOutput('functionSubnetId');

  const endpoints = resourcesOf(target.file).filter(
    (r) =>
      r.statement.resourceType === 'Microsoft.Network/privateEndpoints' &&
      arrayItems(r.get('properties.privateLinkServiceConnections')).some((c) => {
        const id = prop(c, 'properties.privateLinkServiceId');
        return id && sourceText(r.file, id) === `${target.statement.name}.id`;
      }),
  );
  for (const { groupId, zone } of links) {
    const endpoint = endpoints.find((e) =>
      arrayItems(e.get('properties.privateLinkServiceConnections')).some((c) => {
        const expr = prop(c, 'properties.groupIds');
        const groups = expr && evaluate(expr, scopeOf(e.file, args));
        return Array.isArray(groups) && groups.includes(groupId);
      }),
    );
    if (!endpoint) {
      problems.push(`no private endpoint with groupId '${groupId}'`);
      continue;
    }
    if (deployedWith(endpoint, args) !== true) problems.push(`${endpoint.label} is not deployed here`);
    // In the private endpoint subnet, which is in the VNet the app is integrated with.
    const subnetParam = symbolOf(endpoint.get('properties.subnet.id'));
    const subnet = subnetParam && networkOutputFor(module, subnetParam);
    if (subnet !== 'privateEndpointSubnetId') problems.push(`${endpoint.label} is not in the private endpoint subnet`);
    else if (!integration || subnetOfOutput(subnet)?.vnet.statement.name !== integration.vnet.statement.name) problems.push(`${endpoint.label} is in another VNet than the app's integration`);
    // Its zone group registers it in the service's zone, linked to that VNet.
    const groups = resourcesOf(target.file).filter(
      (r) => r.statement.resourceType === 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups' && symbolOf(r.get('parent')) === endpoint.statement.name,
    );
    const zones = groups
      .flatMap((g) => arrayItems(g.get('properties.privateDnsZoneConfigs')).map((c) => symbolOf(prop(c, 'properties.privateDnsZoneId'))))
      .map((param) => (param ? networkOutputFor(module, param) : undefined))
      .map((output) => (output ? zoneOfOutput(output) : undefined));
    const zoneResource = zones.find((z) => z && evaluate(z.get('name')!, scopeOf(z.file, networkArgs)) === zone);
    if (!zoneResource) {
      problems.push(`${endpoint.label} has no zone group registering it in ${zone}`);
      continue;
    }
    const linked = resourcesOf(zoneResource.file).some(
      (l) =>
        l.statement.resourceType === 'Microsoft.Network/privateDnsZones/virtualNetworkLinks' &&
        symbolOf(l.get('parent')) === zoneResource.statement.name &&
        l.text('properties.virtualNetwork.id') === `${integration?.vnet.statement.name}.id`,
    );
    if (!linked) problems.push(`${zone} is not linked to the app's VNet`);
  }
  return problems;
}

describe('Function App outbound VNet integration (Flex Consumption)', () => {
  it('the site joins a subnet through properties.virtualNetworkSubnetId, in every environment', () => {
    const [site] = resourcesOfType('Microsoft.Web/sites');
    expect(site!.statement.value.type, 'the site is not conditional').toBe('object');
    expect(site!.text('properties.virtualNetworkSubnetId')).toBe('virtualNetworkSubnetId');
    expect(findStatement(site!.file, 'param', 'virtualNetworkSubnetId')?.value, 'required: no default').toBeUndefined();
    expect(networkOutputFor('functionapp', 'virtualNetworkSubnetId')).toBe('functionSubnetId');
    // Flex routes all outbound traffic through the integration; the route-all switches of other plans are not used.
    expect(site!.get('properties.vnetRouteAllEnabled')).toBeUndefined();
    expect(site!.get('properties.siteConfig.vnetRouteAllEnabled')).toBeUndefined();
  });

  it(`the subnet is delegated to ${FLEX_DELEGATION} only, has an NSG, and its name has no underscore`, () => {
    const found = subnetOfOutput('functionSubnetId');
    expect(found, 'network.bicep output functionSubnetId names a subnet of the VNet').toBeDefined();
    const { subnet } = found!;
    const delegations = evaluate(prop(subnet, 'properties.delegations')!, scopeOf(network())) as { properties: { serviceName: string } }[];
    expect(delegations.map((d) => d.properties.serviceName)).toEqual([FLEX_DELEGATION]);
    expect(sourceText(network(), prop(subnet, 'properties.networkSecurityGroup.id')!)).toMatch(/^\w+\.id$/);
    const name = evaluate(prop(subnet, 'name')!, scopeOf(network(), moduleArgs('network')));
    expect(typeof name === 'string' && !name.includes('_'), `subnet name ${String(name)}`).toBe(true);
  });

  it('the subnet is dedicated: no private endpoint and no other module uses it, and no other subnet has that delegation', () => {
    const users = statementsOf(mainFile(), 'module')
      .map(moduleNameOf)
      .flatMap((module) => [...moduleArgExprs(module).keys()].filter((param) => networkOutputFor(module, param) === 'functionSubnetId').map((param) => `${module}.${param}`));
    expect(users).toEqual(['functionapp.virtualNetworkSubnetId']);
    for (const endpoint of resourcesOfType('Microsoft.Network/privateEndpoints')) {
      const param = symbolOf(endpoint.get('properties.subnet.id'));
      expect(param && networkOutputFor(moduleNameOf(endpoint.file), param), `${endpoint.label} subnet`).toBe('privateEndpointSubnetId');
    }
    const [vnet] = resourcesOfType('Microsoft.Network/virtualNetworks');
    const flexSubnets = arrayItems(vnet!.get('properties.subnets')).filter((s) => sourceText(vnet!.file, s).includes(`'${FLEX_DELEGATION}'`));
    expect(flexSubnets).toHaveLength(1);
  });

  for (const env of environments()) {
    it(`${env.name}: subnets are inside the VNet, do not overlap, and the Flex subnet is /27 or larger`, () => {
      const args = moduleArgs('network', env.params);
      const [vnet] = resourcesOfType('Microsoft.Network/virtualNetworks');
      const space = (evaluate(vnet!.get('properties.addressSpace.addressPrefixes')!, scopeOf(vnet!.file, args)) as string[]).map(cidr);
      const subnets = arrayItems(vnet!.get('properties.subnets')).map((s) => ({
        text: sourceText(vnet!.file, prop(s, 'name')!),
        range: cidr(evaluate(prop(s, 'properties.addressPrefix')!, scopeOf(vnet!.file, args)) as string),
      }));
      for (const { text, range } of subnets) {
        expect(space.some((v) => range.start >= v.start && range.end <= v.end), `${text} inside the VNet`).toBe(true);
        for (const other of subnets) if (other.text !== text) expect(range.end < other.range.start || range.start > other.range.end, `${text} overlaps ${other.text}`).toBe(true);
      }
      const flex = subnets.find((s) => s.text === sourceText(network(), prop(subnetOfOutput('functionSubnetId')!.subnet, 'name')!));
      expect(flex!.range.bits, 'Flex Consumption: /27 recommended for one app').toBeLessThanOrEqual(27);
    });
  }

  it('main.bicep exposes the subnet prefix and passes it to network.bicep', () => {
    expect(paramDefault(mainFile(), 'functionSubnetPrefix')).toBe(paramDefault(network(), 'functionSubnetPrefix'));
    expect(moduleArgText('network', 'functionSubnetPrefix')).toBe('functionSubnetPrefix');
  });
});

describe('Key Vault private endpoint', () => {
  const vault = () => resourcesOfType('Microsoft.KeyVault/vaults')[0]!;
  const dependency = APP_DEPENDENCIES['Microsoft.KeyVault/vaults']!;

  it("has a private endpoint (groupId 'vault') registered in privatelink.vaultcore.azure.net, linked to the app's VNet, in every environment", () => {
    for (const env of environments()) {
      expect(privatePathProblems(vault(), dependency.privateLinks, env.params), env.name).toEqual([]);
    }
  });

  it('prod closes the vault to public networks, and the evaluation sees it', () => {
    const prod = environments().find((e) => e.name.endsWith('prod.bicepparam'))!;
    expect(evaluate(vault().get(dependency.publicAccess)!, scopeOf(vault().file, moduleArgs('keyvault', prod.params)))).toBe('Disabled');
    expect(evaluate(vault().get('properties.networkAcls')!, scopeOf(vault().file, moduleArgs('keyvault', prod.params)))).toEqual({
      defaultAction: 'Deny',
      bypass: 'AzureServices',
      ipRules: [],
      virtualNetworkRules: [],
    });
  });

  it('the firewall admits exactly keyVaultAllowedIpRanges (written in full, so a hand-added rule does not survive a deployment)', () => {
    const args = { ...moduleArgs('keyvault'), publicNetworkAccess: 'Enabled', allowedIpRanges: ['203.0.113.7/32'] };
    expect(evaluate(vault().get('properties.networkAcls')!, scopeOf(vault().file, args))).toEqual({
      defaultAction: 'Deny',
      bypass: 'AzureServices',
      ipRules: [{ value: '203.0.113.7/32' }],
      virtualNetworkRules: [],
    });
    expect(evaluate(vault().get('properties.networkAcls.defaultAction')!, scopeOf(vault().file, moduleArgs('keyvault'))), 'default: open').toBe('Allow');
    expect(moduleArgText('keyvault', 'allowedIpRanges')).toBe('keyVaultAllowedIpRanges');
    expect(paramDefault(mainFile(), 'keyVaultAllowedIpRanges')).toEqual([]);
  });

  it('no environment sets IP rules on a vault whose public access is off (Key Vault ignores them then)', () => {
    for (const env of environments()) {
      const args = moduleArgs('keyvault', env.params);
      const ranges = args['allowedIpRanges'];
      if (Array.isArray(ranges) && ranges.length > 0) expect(args['publicNetworkAccess'], env.name).toBe('Enabled');
    }
  });
});

describe('nothing the app calls is closed to it', () => {
  it('every resource with a public network access switch is classified (an app dependency or inbound only)', () => {
    const unclassified = allResources()
      .filter((r) => {
        const properties = r.get('properties');
        return properties?.type === 'object' && properties.props.some((p) => p.key.startsWith('publicNetworkAccess'));
      })
      .map((r) => r.statement.resourceType)
      .filter((type) => !(type in APP_DEPENDENCIES) && !(type in INBOUND_ONLY));
    expect(unclassified).toEqual([]);
    for (const [type, { publicAccess }] of Object.entries(APP_DEPENDENCIES)) {
      for (const resource of resourcesOfType(type)) expect(resource.get(publicAccess), `${resource.label} ${publicAccess}`).toBeDefined();
    }
  });

  for (const env of environments()) {
    it(`${env.name}: every app dependency whose public access is off has a private path from the app`, () => {
      const problems: string[] = [];
      for (const [type, { publicAccess, privateLinks, why }] of Object.entries(APP_DEPENDENCIES)) {
        for (const resource of resourcesOfType(type)) {
          const args = moduleArgs(moduleNameOf(resource.file), env.params);
          const access = evaluate(resource.get(publicAccess)!, scopeOf(resource.file, args));
          if (access === 'Enabled') continue;
          const reason = access instanceof Unknown ? `cannot tell (${access.reason})` : String(access);
          if (privateLinks.length === 0) {
            problems.push(`${resource.label} (${why}): ${publicAccess} is ${reason} and there is no private path for it in these templates`);
            continue;
          }
          for (const problem of privatePathProblems(resource, privateLinks, env.params)) problems.push(`${resource.label} (${why}): ${publicAccess} is ${reason}, but ${problem}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
