import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENAPI_DOCUMENT_PATH } from '../../../shared/openapi/document-file.js';
import { ROUTES } from '../../../shared/http/routes.js';

/**
 * What the fuzzer aims at, read from the committed OpenAPI document (generated from the endpoint
 * registrations): every operation with its path template, parameters and request media types.
 * A new endpoint is in the document once `npm run openapi` ran (a contract test fails while the
 * document is stale), so it is fuzzed without anyone touching the fuzzer.
 */

export type JsonSchema = Record<string, unknown>;

export interface FuzzParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface FuzzTarget {
  operationId: string;
  method: string;
  /** The document's path template, e.g. /v1/tasks/{id} (after the /api route prefix). */
  template: string;
  parameters: FuzzParameter[];
  /** Media type → schema of the request body; empty when the operation takes none. */
  bodies: Record<string, JsonSchema>;
  /** Whether the operation needs a bearer token (its document lists a security requirement). */
  authenticated: boolean;
}

interface Operation {
  operationId?: string;
  parameters?: FuzzParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

export const openApiDocument = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', OPENAPI_DOCUMENT_PATH), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
  security?: unknown[];
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

export function fuzzTargets(): FuzzTarget[] {
  const targets: FuzzTarget[] = [];
  for (const [template, item] of Object.entries(openApiDocument.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method) || !operation.operationId) continue;
      const security = operation.security ?? openApiDocument.security ?? [];
      targets.push({
        operationId: operation.operationId,
        method: method.toUpperCase(),
        template,
        parameters: (operation.parameters ?? []).filter((parameter) => ['path', 'query', 'header'].includes(parameter.in)),
        bodies: Object.fromEntries(Object.entries(operation.requestBody?.content ?? {}).map(([type, media]) => [type, media.schema ?? {}])),
        authenticated: security.some((requirement) => Object.keys(requirement as object).length > 0),
      });
    }
  }
  return targets.sort((a, b) => a.operationId.localeCompare(b.operationId));
}

/** The routes (shared/http/routes.ts) that no fuzz target covers: must be none. */
export function routesNotFuzzed(targets: readonly FuzzTarget[]): string[] {
  const covered = new Set(targets.map((target) => `${target.method} ${target.template}`));
  return Object.entries(ROUTES)
    .filter(([, route]) => !covered.has(`${route.method} /${route.path}`))
    .map(([name, route]) => `${name} (${route.method} /${route.path})`);
}

/** Resolves a local `$ref` (#/components/schemas/...). */
export function resolveSchema(schema: JsonSchema): JsonSchema {
  const ref = schema['$ref'];
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  const target = openApiDocument.components.schemas[name];
  if (!target) throw new Error(`unresolvable $ref ${ref}`);
  const { $ref: _ignored, ...rest } = schema;
  return { ...resolveSchema(target), ...rest };
}
