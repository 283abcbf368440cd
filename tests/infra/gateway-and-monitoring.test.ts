import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUBSCRIPTION_KEY_HEADER, SUBSCRIPTION_KEY_SCHEME } from '../../shared/docs/sign-in.js';
import { PROBLEM_TYPES } from '../../shared/http/problem-types.js';
import { KEYLESS_ROUTES, ROUTE_PREFIX, ROUTES } from '../../shared/http/routes.js';
import { evaluate, scopeOf } from './bicep-evaluate.js';
import { METRICS } from '../../shared/telemetry/metrics.js';
import { findStatement, sourceText } from './bicep-tree.js';
import { mainFile, moduleFile, paramDefault, readRepoFile, REPO_ROOT, resourcesOfType, varValue } from './templates.js';

const apiPolicy = () => readRepoFile('bicep/policies/api.xml');
const productPolicy = () => readRepoFile('bicep/policies/product.xml');

describe('API Management', () => {
  it('defaults to Standard v2 and offers no tier without validate-jwt / rate-limit-by-key / VNet integration', () => {
    const apim = moduleFile('apim');
    expect(paramDefault(apim, 'sku')).toBe('StandardV2');
    expect(paramDefault(mainFile(), 'apimSku')).toBe('StandardV2');
    for (const file of [apim, mainFile()]) {
      const param = findStatement(file, 'param', file === apim ? 'sku' : 'apimSku')!;
      const allowed = param.decorators.find((d) => d.name === 'allowed');
      expect(allowed && sourceText(file, allowed.args[0]!).replace(/\s/g, '')).toBe("['StandardV2','PremiumV2']");
    }
  });

  it('imports the API from the generated OpenAPI document as openapi+json, through loadJsonContent (over loadTextContent\'s 131,072 characters)', () => {
    const [api] = resourcesOfType('Microsoft.ApiManagement/service/apis');
    expect(api!.value('properties.format')).toBe('openapi+json');
    // loadJsonContent allows 1,048,576 characters; string() gives API Management the text it expects.
    // The size itself is checked in file-loads.test.ts.
    expect(api!.text('properties.value')).toBe("string(loadJsonContent('../../openapi/caseload.openapi.json'))");
    expect(api!.value('properties.protocols')).toEqual(['https']);
  });

  it("requires the subscription key in the API policy, per route, on every route but the keyless ones (subscriptionRequired is per API), under the OpenAPI document's header name", () => {
    const [api] = resourcesOfType('Microsoft.ApiManagement/service/apis');
    expect(api!.value('properties.subscriptionRequired')).toBe(false);
    expect(api!.value('properties.subscriptionKeyParameterNames.header')).toBe(SUBSCRIPTION_KEY_HEADER);
    expect(api!.value('properties.path')).toBe(ROUTE_PREFIX);
    const policy = apiPolicy();
    const inbound = /<inbound>([\s\S]*?)<\/inbound>/.exec(policy)![1]!;
    // The key check answers 401 as the contract's Problem401 does: problem+json, a challenge, the correlation id.
    const check = /<choose>\s*<when condition="@\{ var path = context\.Request\.OriginalUrl\.Path\.TrimEnd\('\/'\)\.ToLowerInvariant\(\); return !\(context\.Subscription != null \|\| __KEYLESS_PATH_TEST__\); \}">\s*<return-response>([\s\S]*?)<\/return-response>/.exec(inbound);
    expect(check, 'the subscription key check').not.toBeNull();
    expect(check![1]).toContain('<set-status code="401" reason="Unauthorized" />');
    expect(check![1]).toMatch(/<set-header name="Content-Type" exists-action="override">\s*<value>application\/problem\+json<\/value>/);
    expect(check![1]).toContain('<set-header name="WWW-Authenticate"');
    expect(check![1]).toContain('<set-header name="x-correlation-id"');
    expect(check![1]).toContain(`new JProperty("type", "${PROBLEM_TYPES.unauthenticated.type}")`);
    expect(check![1]).toContain(`new JProperty("title", "${PROBLEM_TYPES.unauthenticated.title}")`);
    // Before the token is looked at, after the correlation id is set.
    expect(inbound.indexOf('__KEYLESS_PATH_TEST__')).toBeGreaterThan(inbound.indexOf('<set-header name="x-correlation-id"'));
    expect(inbound.indexOf('__KEYLESS_PATH_TEST__')).toBeLessThan(inbound.indexOf('<validate-jwt'));
    // The key never reaches the app: as a header it would sit in its logs, as a query parameter the app would refuse it as unknown.
    expect(inbound).toContain('<set-header name="__SUBSCRIPTION_KEY_HEADER__" exists-action="delete" />');
    expect(inbound).toContain('<set-query-parameter name="__SUBSCRIPTION_KEY_QUERY__" exists-action="delete" />');
    expect(varValue(moduleFile('apim'), 'subscriptionKeyQuery')).toBe(api!.value('properties.subscriptionKeyParameterNames.query'));
  });

  it('the keyless paths are exactly KEYLESS_ROUTES, and the key check lets exactly those through', () => {
    const keyless = varValue(mainFile(), 'keylessPaths') as string[];
    expect(keyless.slice().sort()).toEqual(KEYLESS_ROUTES.map((name) => ROUTES[name].path).sort());
    // Keyless routes need no token either.
    for (const path of keyless) expect(varValue(mainFile(), 'anonymousPaths')).toContain(path);
    // The C# condition the template builds, run on real paths (lower-cased and without a trailing slash, as the policy does).
    const apim = moduleFile('apim');
    const test = evaluate(findStatement(apim, 'var', 'keylessPathTest')!.value, scopeOf(apim, { keylessPaths: keyless })) as string;
    const keylessPath = (path: string) => {
      const normalised = path.replace(/\/+$/, '').toLowerCase();
      const js = test.replace(/path\.StartsWith\(("[^"]+")\)/g, 'path.startsWith($1)').replace(/path == /g, 'path === ');
      return new Function('path', `return ${js};`)(normalised) as boolean;
    };
    for (const path of ['/api/v1/health', '/api/openapi.json', '/api/docs', '/api/docs/', '/api/docs/swagger-ui.css', '/api/docs/oauth2-redirect.html']) expect(keylessPath(path), path).toBe(true);
    for (const path of ['/api/v1/health/ready', '/api/v1/version', '/api/v1/tasks', '/api/v1/tasks/docs', '/api/v1/health/x', '/api/docsx', '/openapi.json']) expect(keylessPath(path), path).toBe(false);
  });

  it.skipIf(!existsSync(join(REPO_ROOT, 'openapi/caseload.openapi.json')))('the OpenAPI document declares the key as the gateway reads it, and requires it on exactly the routes the policy does', () => {
    const document = JSON.parse(readRepoFile('openapi/caseload.openapi.json')) as {
      components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> };
      paths: Record<string, Record<string, { security: Record<string, string[]>[] }>>;
    };
    expect(document.components.securitySchemes[SUBSCRIPTION_KEY_SCHEME]).toMatchObject({ type: 'apiKey', in: 'header', name: SUBSCRIPTION_KEY_HEADER });
    const keyless = varValue(mainFile(), 'keylessPaths') as string[];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const needsKey = operation.security.length > 0 && operation.security.every((requirement) => SUBSCRIPTION_KEY_SCHEME in requirement);
        expect(needsKey, `${method} ${path}`).toBe(!keyless.includes(path.slice(1)));
      }
    }
  });

  it.skipIf(!existsSync(join(REPO_ROOT, 'openapi/caseload.openapi.json')))('the OpenAPI document is OpenAPI 3 JSON whose paths sit under the API path (/api)', () => {
    const document = JSON.parse(readRepoFile('openapi/caseload.openapi.json')) as { openapi?: string; paths?: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    const paths = Object.keys(document.paths ?? {});
    expect(paths.length).toBeGreaterThan(0);
    // APIM's API path is 'api' and its backend is https://<app>/api, so operation paths are the routes
    // (v1/..., and the public contract and docs routes), never prefixed with /api themselves.
    for (const path of paths) expect(path, `OpenAPI path ${path}`).toMatch(/^\/(v1\/|openapi\.json$|docs(\/|$)|console(\/|$))/);
  });

  it('the backend is the Function App host, through the API policy', () => {
    const [backend] = resourcesOfType('Microsoft.ApiManagement/service/backends');
    expect(backend!.text('properties.url')).toBe("'https://${functionAppHostName}/api'");
    expect(apiPolicy()).toContain('<set-backend-service backend-id="__BACKEND_ID__" />');
  });

  it('API policy: validate-jwt against Entra ID v2 OpenID configuration with the audience named value', () => {
    const policy = apiPolicy();
    expect(policy).toMatch(/<validate-jwt header-name="Authorization" require-scheme="Bearer"/);
    expect(policy).toContain('<openid-config url="https://login.microsoftonline.com/{{__TENANT_NAMED_VALUE__}}/v2.0/.well-known/openid-configuration" />');
    expect(policy).toContain('<audience>{{__AUDIENCE_NAMED_VALUE__}}</audience>');
    expect(policy).toContain('<issuer>https://login.microsoftonline.com/{{__TENANT_NAMED_VALUE__}}/v2.0</issuer>');
  });

  it('API policy: rate limit per subscription, CORS from a parameter, correlation id kept or made, server headers removed', () => {
    const policy = apiPolicy();
    expect(policy).toMatch(/<rate-limit-by-key calls="__RATE_LIMIT_CALLS__" renewal-period="__RATE_LIMIT_PERIOD_SECONDS__" counter-key="@\(context\.Subscription\?\.Id/);
    expect(policy).toMatch(/<cors[^>]*>\s*<allowed-origins>\s*__CORS_ALLOWED_ORIGINS__\s*<\/allowed-origins>/);
    expect(policy).toMatch(/<set-header name="x-correlation-id" exists-action="skip">/);
    for (const section of ['outbound', 'on-error']) {
      const body = new RegExp(`<${section}>([\\s\\S]*?)</${section}>`).exec(policy)?.[1] ?? '';
      expect(body, `${section}: X-Powered-By removed`).toContain('<set-header name="X-Powered-By" exists-action="delete" />');
      expect(body, `${section}: Server removed`).toContain('<set-header name="Server" exists-action="delete" />');
    }
    // quota is only allowed at product scope: it must not be in the API policy.
    expect(policy).not.toMatch(/<quota/);
  });

  it.skipIf(!existsSync(join(REPO_ROOT, 'openapi/caseload.openapi.json')))(
    'CORS allows every request header the OpenAPI document declares (a browser preflight would fail otherwise), and Idempotency-Key',
    () => {
      const allowed = [...(/<allowed-headers>([\s\S]*?)<\/allowed-headers>/.exec(apiPolicy())?.[1] ?? '').matchAll(/<header>([^<]+)<\/header>/g)].map((m) =>
        m[1]!.toLowerCase(),
      );
      const document = JSON.parse(readRepoFile('openapi/caseload.openapi.json')) as {
        paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
      };
      const declared = new Set(
        Object.values(document.paths)
          .flatMap((item) => Object.values(item))
          .flatMap((operation) => operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'header')
          .map((parameter) => parameter.name),
      );
      expect([...declared]).toContain('Idempotency-Key');
      for (const name of declared) expect(allowed, `CORS allowed-headers in bicep/policies/api.xml lacks ${name}`).toContain(name.toLowerCase());
      for (const name of ['Authorization', 'Content-Type']) expect(allowed).toContain(name.toLowerCase());
    },
  );

  it('every placeholder in the API policy is substituted by apim.bicep', () => {
    const placeholders = [...new Set(apiPolicy().match(/__[A-Z_]+__/g) ?? [])].sort();
    const substituted = sourceText(moduleFile('apim'), findStatement(moduleFile('apim'), 'var', 'apiPolicy')!.value);
    const tokens = [...substituted.matchAll(/token: '(__[A-Z_]+__)'/g)].map((m) => m[1]).sort();
    expect(tokens).toEqual(placeholders);
    const productTokens = [...new Set(productPolicy().match(/__[A-Z_]+__/g) ?? [])];
    for (const token of productTokens) expect(sourceText(moduleFile('apim'), findStatement(moduleFile('apim'), 'var', 'productPolicy')!.value)).toContain(`'${token}'`);
  });

  it('product policy: quota per subscription; the product requires a subscription, and one subscription exists for consumers', () => {
    expect(productPolicy()).toMatch(/<quota calls="__QUOTA_CALLS__" renewal-period="__QUOTA_PERIOD_SECONDS__" \/>/);
    const [product] = resourcesOfType('Microsoft.ApiManagement/service/products');
    expect(product!.value('properties.subscriptionRequired')).toBe(true);
    const [subscription] = resourcesOfType('Microsoft.ApiManagement/service/subscriptions');
    expect(subscription!.text('properties.scope')).toBe("'/products/${product.name}'");
    expect(subscription!.get('properties.primaryKey'), 'keys are generated by APIM, never in the template').toBeUndefined();
    expect(resourcesOfType('Microsoft.ApiManagement/service/products/apis')).toHaveLength(1);
  });

  it('the routes exempt from validate-jwt are exactly the functions registered with authenticated: false', () => {
    const dir = join(REPO_ROOT, 'functions');
    const anonymous = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .filter((text) => /authenticated:\s*false/.test(text))
      .map((text) => /route:\s*'(\w+)'/.exec(text)?.[1])
      .map((route) => ROUTES[route as keyof typeof ROUTES].path)
      .sort();
    expect(anonymous.length).toBeGreaterThan(0);
    expect((varValue(mainFile(), 'anonymousPaths') as string[]).slice().sort()).toEqual(anonymous);
  });
});

describe('monitoring', () => {
  const metricNames = () => Object.keys(METRICS);
  const workbook = () => readRepoFile('bicep/workbooks/operations.json');

  it('the workbook is valid JSON with every required view', () => {
    const parsed = JSON.parse(workbook()) as { items: { content: { query?: string; metrics?: { metric: string }[]; title?: string } }[] };
    const queries = parsed.items.map((i) => i.content.query ?? '').join('\n');
    expect(queries).toMatch(/summarize[^\n]*by cloud_RoleName, operation_Name/);
    expect(queries).toMatch(/percentile\(duration, 50\)[\s\S]*percentile\(duration, 95\)/);
    expect(queries).toContain("'tasks.created', 'tasks.completed', 'tasks.cancelled'");
    expect(queries).toContain('jurisdiction');
    expect(queries).toContain("name == 'audit.lagMs'");
    expect(parsed.items.flatMap((i) => i.content.metrics ?? []).map((m) => m.metric)).toContain('microsoft.servicebus/namespaces--DeadletteredMessages');
  });

  it('every custom metric the workbook and alerts query is one the app sends (shared/telemetry/metrics.ts)', () => {
    const known = metricNames();
    expect(known.length).toBeGreaterThan(0);
    const texts = [workbook(), readRepoFile('bicep/modules/observability.bicep')];
    const used = texts.flatMap((t) => [...t.matchAll(/name (?:==|in) \(?['"]([a-z]+\.[A-Za-z]+)['"]/g), ...t.matchAll(/'([a-z]+\.[a-zA-Z]+)'(?=[,)])/g)].map((m) => m[1]!));
    const unknown = [...new Set(used)].filter((name) => !known.includes(name) && !name.startsWith('task.'));
    expect(unknown, 'metrics queried but never sent').toEqual([]);
  });

  it('alerts: 5xx rate, function failures, overdue growth, Notify refusing the key (log queries); dead letters > 0 (platform metric); all notify the action group', () => {
    const rules = resourcesOfType('Microsoft.Insights/scheduledQueryRules');
    const queries = rules.map((r) => r.text('properties.criteria') ?? '').join('\n');
    expect(queries).toMatch(/toint\(resultCode\) >= 500/);
    expect(queries).toMatch(/success == false/);
    expect(queries).toContain('overdue.backlog');
    // Any refusal of the Notify key pages: no email goes out until it is fixed.
    const notifyAuth = rules.find((r) => r.text('properties.criteria')?.includes('"notify.authFailed"'));
    expect(notifyAuth, 'an alert on metric notify.authFailed').toBeDefined();
    expect(notifyAuth!.value('properties.severity')).toBe(1);
    expect(notifyAuth!.text('properties.criteria')).toMatch(/operator: 'GreaterThan'\s+threshold: 0/);
    const [deadLetters] = resourcesOfType('Microsoft.Insights/metricAlerts');
    expect(deadLetters!.text('properties.criteria')).toContain("metricName: 'DeadletteredMessages'");
    expect(deadLetters!.text('properties.criteria')).toMatch(/operator: 'GreaterThan'\s+threshold: 0/);
    for (const rule of rules) expect(rule.text('properties.actions'), rule.label).toContain('actionGroup.id');
    expect(deadLetters!.text('properties.actions')).toContain('actionGroup.id');
    const [group] = resourcesOfType('Microsoft.Insights/actionGroups');
    expect(group!.text('properties.emailReceivers')).toContain('emailAddress: email');
  });
});
