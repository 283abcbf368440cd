import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { API_SCOPE_NAME } from '../../shared/auth/api-scope.js';
import { SIGN_IN_PLACEHOLDERS, SIGN_IN_SCHEME, SUBSCRIPTION_KEY_HEADER, SUBSCRIPTION_KEY_SCHEME } from '../../shared/docs/sign-in.js';
import { PROBLEM_TYPES } from '../../shared/http/problem-types.js';
import { KEYLESS_ROUTES, ROUTES } from '../../shared/http/routes.js';
import { OPENAPI_DOCUMENT_PATH } from '../../shared/openapi/document-file.js';

const root = join(import.meta.dirname, '..', '..');
const document = JSON.parse(readFileSync(join(root, OPENAPI_DOCUMENT_PATH), 'utf8'));

describe('the committed OpenAPI document', () => {
  it('is what the code generates now (run npm run openapi when this fails)', () => {
    // npm test builds first; the generator compares without writing and exits 1 when stale.
    const output = execFileSync(process.execPath, [join(root, 'dist/dev/openapi.js'), '--check'], { cwd: root, encoding: 'utf8' });
    expect(output).toMatch(/is up to date/);
  });

  it('is OpenAPI 3.1 and documents every route, once', () => {
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routes = Object.values(ROUTES).map((route) => `${route.method} /${route.path}`);
    expect(documented.sort()).toEqual(routes.sort());
  });

  it('declares per operation what the gateway and the app require: nothing (keyless), a subscription key, or a key and a token', () => {
    const keyless = KEYLESS_ROUTES.map((name) => `/${ROUTES[name].path}`);
    expect(keyless.sort()).toEqual(['/console', '/console/{file}', '/docs', '/docs/{file}', '/openapi.json', '/v1/health']);
    const key = { [SUBSCRIPTION_KEY_SCHEME]: [] };
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const tokenFree = /^\/(v1\/(health|health\/ready|version)|openapi\.json|docs(\/\{file\})?|console(\/\{file\})?)$/.test(path);
        const expected = keyless.includes(path)
          ? []
          : tokenFree
            ? [key]
            : path.startsWith('/v1/admin/')
              ? [{ ...key, adminBearer: [] }]
              : [
                  { ...key, bearer: [] },
                  { ...key, [SIGN_IN_SCHEME]: [] },
                ];
        expect(operation.security, `${method} ${path}`).toEqual(expected);
        expect(operation.responses['500'], `${method} ${path}`).toEqual({ $ref: '#/components/responses/Problem500' });
        if (!tokenFree) expect(operation.responses['401']).toEqual({ $ref: '#/components/responses/Problem401' });
      }
    }
    expect(document.components.responses.Problem400.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(document.components.securitySchemes[SUBSCRIPTION_KEY_SCHEME]).toMatchObject({ type: 'apiKey', in: 'header', name: SUBSCRIPTION_KEY_HEADER });
  });

  it('signs in with Entra ID authorization code, for the scope docs/deploy.md creates, with the tenant and API client id left to the deployment', () => {
    const scheme = document.components.securitySchemes[SIGN_IN_SCHEME];
    expect(scheme.type).toBe('oauth2');
    expect(Object.keys(scheme.flows)).toEqual(['authorizationCode']);
    expect(scheme.flows.authorizationCode).toEqual({
      authorizationUrl: `https://login.microsoftonline.com/${SIGN_IN_PLACEHOLDERS.tenantId}/oauth2/v2.0/authorize`,
      tokenUrl: `https://login.microsoftonline.com/${SIGN_IN_PLACEHOLDERS.tenantId}/oauth2/v2.0/token`,
      refreshUrl: `https://login.microsoftonline.com/${SIGN_IN_PLACEHOLDERS.tenantId}/oauth2/v2.0/token`,
      scopes: { [`api://${SIGN_IN_PLACEHOLDERS.apiClientId}/${API_SCOPE_NAME}`]: expect.any(String) },
    });
  });

  it('types query parameters by what they mean: counts are integers with their range, flags booleans, instants date-times', () => {
    const parameter = (path: string, name: string) => document.paths[path].get.parameters.find((p: { name: string }) => p.name === name);
    expect(parameter('/v1/tasks', 'limit').schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(parameter('/v1/tasks/{id}/history', 'limit').schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
    expect(parameter('/v1/admin/dead-letters/{entity}', 'max').schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
    expect(parameter('/v1/tasks', 'overdue').schema).toMatchObject({ type: 'boolean' });
    expect(parameter('/v1/users', 'active').schema).toMatchObject({ type: 'boolean' });
    for (const name of ['dueBefore', 'dueAfter']) expect(parameter('/v1/tasks', name).schema).toMatchObject({ type: 'string', format: 'date-time' });
    // No parameter is left a bare string where it means something else.
    for (const item of Object.values(document.paths as Record<string, Record<string, { parameters?: { name: string; schema: { type?: string; maxLength?: number } }[] }>>)) {
      for (const operation of Object.values(item)) {
        for (const p of operation.parameters ?? []) expect([p.name, p.schema.type === 'string' && /^(limit|max|overdue|active)$/.test(p.name)]).toEqual([p.name, false]);
      }
    }
  });

  it('declares the one form of a multi-valued filter: the parameter repeated (style form, explode true)', () => {
    for (const [path, name] of [['/v1/tasks', 'status'], ['/v1/tasks', 'priority'], ['/v1/tasks', 'jurisdiction'], ['/v1/tasks/stats', 'jurisdiction']] as const) {
      const parameter = document.paths[path].get.parameters.find((p: { name: string }) => p.name === name);
      expect(parameter, `${path} ${name}`).toMatchObject({ style: 'form', explode: true, schema: { type: 'array', items: { $ref: expect.stringMatching(/^#\/components\/schemas\//) } } });
    }
  });

  it('types batch items as a union on op, and leaves fields with a server-side default optional in requests', () => {
    const body = document.paths['/v1/tasks/batch'].post.requestBody.content['application/json'].schema;
    expect(body.properties.items.items).toEqual({ $ref: '#/components/schemas/BatchItem' });
    expect(document.components.schemas.BatchItem.discriminator).toEqual({
      propertyName: 'op',
      mapping: { create: '#/components/schemas/BatchCreate', update: '#/components/schemas/BatchUpdate' },
    });
    expect(document.components.schemas.BatchUpdate.required.sort()).toEqual(['id', 'ifMatch', 'op', 'patch']);
    const newTask = document.components.schemas.NewTask;
    expect(newTask.required.sort()).toEqual(['caseId', 'dueDate', 'jurisdiction', 'locationId', 'title']);
    // No request body property carries `default` (generated clients would type it as required).
    const defaults: string[] = [];
    const visit = (node: unknown, where: string) => {
      if (!node || typeof node !== 'object') return;
      const properties = (node as { properties?: Record<string, { default?: unknown }> }).properties ?? {};
      for (const [name, property] of Object.entries(properties)) if (property && 'default' in property) defaults.push(`${where}.${name}`);
      for (const [key, value] of Object.entries(node)) visit(value, `${where}.${key}`);
    };
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) visit(operation.requestBody, `${method} ${path}`);
    }
    for (const name of ['NewTask', 'BatchCreate', 'BatchUpdate', 'TaskPatch', 'TaskReplacement']) visit(document.components.schemas[name], name);
    expect(defaults).toEqual([]);
    expect(newTask.properties.priority.description).toMatch(/Defaults to "medium"/);
  });

  it('describes every tag, gives every operation examples, and lists the problem types where every problem response points', () => {
    for (const tag of document.tags) expect(tag.description, tag.name).toMatch(/.{20}/);
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method} ${path}`;
        for (const media of Object.values(operation.requestBody?.content ?? {}) as { example?: unknown }[]) expect(media.example, `${where} request body`).toBeDefined();
        for (const parameter of operation.parameters ?? []) {
          // Required ones only: the docs page fills examples into "Try it" (an optional filter or Idempotency-Key nobody asked for).
          if (parameter.required) expect(parameter.example, `${where} ${parameter.name}`).toBeDefined();
          else expect(parameter.example, `${where} ${parameter.name}`).toBeUndefined();
        }
        const success = Object.entries(operation.responses).find(([status]) => /^[23]/.test(status))![1] as { content?: Record<string, { example?: unknown }> };
        for (const [type, media] of Object.entries(success.content ?? {})) {
          if (type !== 'image/png') expect(media.example, `${where} ${type} response`).toBeDefined();
        }
      }
    }
    for (const [name, response] of Object.entries(document.components.responses as Record<string, any>)) {
      expect(response.content['application/problem+json'].example.status, name).toBe(Number(name.replace('Problem', '')));
    }
    expect(document.components.schemas.Problem.properties.type.enum.sort()).toEqual(Object.values(PROBLEM_TYPES).map((kind) => kind.type).sort());
  });

  it('every example agrees with the schema it illustrates', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (instance: Ajv2020) => void)(ajv);
    ajv.addSchema(document, 'doc');
    const pointer = (...segments: string[]) => segments.map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    const failures: string[] = [];
    const check = (ref: string, example: unknown, where: string) => {
      const validate = ajv.getSchema(`doc#/${ref}`)!;
      if (!validate(example)) failures.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    };
    let checked = 0;
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        (operation.parameters ?? []).forEach((parameter: { name: string; example?: unknown }, index: number) => {
          if (parameter.example === undefined) return;
          check(pointer('paths', path, method, 'parameters', String(index), 'schema'), parameter.example, `${method} ${path} ${parameter.name}`);
          checked++;
        });
        for (const [type, media] of Object.entries((operation.requestBody?.content ?? {}) as Record<string, { example: unknown }>)) {
          check(pointer('paths', path, method, 'requestBody', 'content', type, 'schema'), media.example, `${method} ${path} request ${type}`);
          checked++;
        }
        for (const [status, response] of Object.entries(operation.responses as Record<string, { content?: Record<string, { example?: unknown }> }>)) {
          for (const [type, media] of Object.entries(response.content ?? {})) {
            if (!/json$/.test(type) || media.example === undefined) continue;
            check(pointer('paths', path, method, 'responses', status, 'content', type, 'schema'), media.example, `${method} ${path} ${status}`);
            checked++;
          }
        }
      }
    }
    for (const [name, response] of Object.entries(document.components.responses as Record<string, any>)) {
      check(pointer('components', 'responses', name, 'content', 'application/problem+json', 'schema'), response.content['application/problem+json'].example, name);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });
});
