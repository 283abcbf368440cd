import { z } from 'zod';

/**
 * Query parameters arrive as text (a parameter given once is a string, one given several times an
 * array: shared/http/request-query.ts), but the contract describes them by what they mean: a page
 * size is an integer 1-100, a flag a boolean, a filter an array of enum values. Each builder here
 * validates the text and documents the typed value, so a client generated from the OpenAPI
 * document passes `limit: 5` and `overdue: true`, and its serializer writes what the API reads.
 */

type JsonSchema = Record<string, unknown>;

/** Replaces whatever the generator derived from the text schema by the documented one. */
function documentedAs(documented: JsonSchema) {
  return {
    override: ({ jsonSchema }: { jsonSchema: JsonSchema }) => {
      for (const key of Object.keys(jsonSchema)) if (key !== 'description') delete jsonSchema[key];
      Object.assign(jsonSchema, documented);
    },
  };
}

/**
 * The JSON Schema of a schema's input, for documenting a text parameter by the value it takes; a
 * schema registered as a component (an enum with an id) is referred to, not copied.
 */
function inputJsonSchema(schema: z.ZodType): JsonSchema {
  const id = z.globalRegistry.get(schema)?.id;
  if (id) return { $ref: `#/components/schemas/${id}` };
  const { $schema: _ignored, ...documented } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return documented;
}

/**
 * A single-valued query parameter: repeating it is an error, not "last one wins". Documented as
 * the value's own schema (an enum, a pattern...), not as the plain string the pipe starts from.
 */
export function single<T extends z.ZodType<unknown, string>>(item: T) {
  return z.string({ message: 'must be given once' }).pipe(item).meta(documentedAs(inputJsonSchema(item)));
}

/** A boolean parameter: exactly `true` or `false`, documented as a boolean. */
export const booleanParam = () =>
  z
    .string({ message: 'must be given once' })
    .pipe(z.enum(['true', 'false'], { message: 'must be true or false' }))
    .transform((value) => value === 'true')
    .meta(documentedAs({ type: 'boolean' }));

/** An integer parameter from `min` to `max`, `fallback` when absent; documented as an integer with its range. */
export const integerParam = (options: { min: number; max: number; fallback: number }) =>
  z
    .string({ message: 'must be given once' })
    .max(String(options.max).length, `must be a whole number from ${options.min} to ${options.max}`)
    .pipe(z.coerce.number<string>().int('must be a whole number').min(options.min).max(options.max))
    // prefault: the default is the raw query value, parsed like one the client sent.
    .prefault(String(options.fallback))
    .meta(documentedAs({ type: 'integer', format: 'int32', minimum: options.min, maximum: options.max, default: options.fallback }));

/** At most this many values in one multi-valued filter. */
export const MAX_FILTER_VALUES = 20;

/**
 * A query parameter that may hold several values, each as its own repetition of the parameter
 * (`status=pending&status=in_progress`): OpenAPI's `style: form, explode: true`, declared so, which
 * is what generated clients (openapi-fetch, openapi-generator) and Swagger UI send for an array.
 * One form only, so the contract says exactly what is accepted: a comma inside a value is refused
 * with a 400 that shows the repeated form, rather than read one way here and another way by a
 * validating proxy. `component` names the enum's schema component. Optional, as every filter is.
 */
export function multiValue<T extends z.ZodType<unknown, string>>(item: T, component: string, name: string) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((raw) => (Array.isArray(raw) ? raw : [raw]))
    .refine((values) => values.every((value) => !value.includes(',')), {
      message: `give several values by repeating the parameter (${name}=a&${name}=b), not separated by commas`,
      abort: true,
    })
    .pipe(z.array(item).min(1, 'must name at least one value').max(MAX_FILTER_VALUES, `must name at most ${MAX_FILTER_VALUES} values`))
    .meta(documentedAs({ type: 'array', items: { $ref: `#/components/schemas/${component}` }, minItems: 1, maxItems: MAX_FILTER_VALUES }))
    // A filter is always optional; the parameter's serialization is declared on what the object holds.
    .optional()
    .meta({ param: { style: 'form', explode: true } });
}
