import { globalRegistry, type z } from 'zod';
import { SENSITIVE_META } from '../schemas/primitives.js';

/**
 * The one redaction step between the app and every log sink. Whatever the app writes (an
 * invocation's log lines, the errors it throws, the telemetry it sends itself) passes through
 * redactText / redactValue on the way out (log-redaction.ts wires it in), so these never leave the
 * process:
 *
 * - bearer tokens and anything shaped like a JWT; GOV.UK Notify API keys (their secret half);
 *   OAuth parameters (`access_token=`, `code_verifier=`…); SAS signatures (`sig=`);
 * - email addresses;
 * - the value of every field whose zod schema is marked sensitive: `.meta({ sensitive: true })`
 *   on the schema (task descriptions, cancellation reasons, people's names and emails, case
 *   names…). The field names are collected from the schemas the app registers (every endpoint's
 *   request and response schemas and every consumer's message schema: registerSensitiveFields),
 *   and their values are redacted wherever they appear: in objects, in JSON text, and in the
 *   `key: 'value'` form util.inspect prints objects in.
 *
 * Redaction works on what a line looks like, not on what it means, so it over-redacts rather than
 * under-redacts: any `description` is hidden, not only a task's. The integration suite runs a
 * workflow with known values through the local host and fails if one reaches any output or any
 * telemetry item (tests/integration/log-redaction.test.ts).
 */
export const REDACTED = '[redacted]';

/** Names that are secret whatever the schemas say. */
const ALWAYS_SENSITIVE = ['authorization', 'access_token', 'id_token', 'refresh_token', 'code_verifier', 'client_secret', 'password', 'apiKey', 'api_key', 'secret', 'sig'];

const sensitiveKeys = new Set<string>(ALWAYS_SENSITIVE);
let keyPatterns: RegExp[] | undefined;

/** Adds the fields a schema marks sensitive (at any depth) to what is redacted by name. */
export function registerSensitiveFields(schema: z.ZodType | undefined): void {
  if (!schema) return;
  const before = sensitiveKeys.size;
  for (const key of sensitiveFieldNames(schema)) sensitiveKeys.add(key);
  if (sensitiveKeys.size !== before) keyPatterns = undefined;
}

/** Field names redacted by name, for tests and docs. */
export function sensitiveFields(): string[] {
  return [...sensitiveKeys].sort();
}

/** Whether a schema, or any wrapper around it down to its core type, carries the sensitive mark. */
export function isSensitiveSchema(schema: z.ZodType): boolean {
  for (let current: z.ZodType | undefined = schema; current; current = innerOf(current)) {
    if ((globalRegistry.get(current) as Record<string, unknown> | undefined)?.[SENSITIVE_META] === true) return true;
  }
  return false;
}

/** The names of the object fields marked sensitive anywhere inside a schema. */
export function sensitiveFieldNames(schema: z.ZodType): Set<string> {
  const found = new Set<string>();
  const seen = new Set<unknown>();
  const visit = (node: z.ZodType | undefined): void => {
    if (!node || seen.has(node)) return;
    seen.add(node);
    const def = defOf(node);
    switch (def.type) {
      case 'object':
        for (const [key, field] of Object.entries(def.shape as Record<string, z.ZodType>)) {
          if (isSensitiveSchema(field)) found.add(key);
          visit(field);
        }
        visit(def.catchall as z.ZodType | undefined);
        return;
      case 'array':
        return visit(def.element as z.ZodType);
      case 'union':
        return (def.options as z.ZodType[]).forEach(visit);
      case 'intersection':
        visit(def.left as z.ZodType);
        return visit(def.right as z.ZodType);
      case 'record':
        return visit(def.valueType as z.ZodType);
      case 'tuple':
        return (def.items as z.ZodType[]).forEach(visit);
      case 'lazy':
        return visit((def.getter as () => z.ZodType)());
      case 'pipe':
        visit(def.in as z.ZodType);
        return visit(def.out as z.ZodType);
      default:
        return visit(innerOf(node));
    }
  };
  visit(schema);
  return found;
}

const defOf = (schema: z.ZodType): Record<string, unknown> & { type: string } => (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;

/** The schema a wrapper (optional, nullable, default, catch, readonly…) wraps; undefined for a core type. */
function innerOf(schema: z.ZodType): z.ZodType | undefined {
  const def = defOf(schema);
  if (def.innerType) return def.innerType as z.ZodType;
  if (def.type === 'pipe') return def.in as z.ZodType;
  return undefined;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function patternsForKeys(): RegExp[] {
  if (keyPatterns) return keyPatterns;
  const keys = [...sensitiveKeys].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
  keyPatterns = [
    // JSON: "description": "…"
    new RegExp(`("(?:${keys})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'),
    // util.inspect: description: '…' (or "…", or `…`)
    new RegExp(`(\\b(?:${keys})\\s*:\\s*)'(?:[^'\\\\]|\\\\.)*'`, 'gi'),
    new RegExp(`(\\b(?:${keys})\\s*:\\s*)\`(?:[^\`\\\\]|\\\\.)*\``, 'gi'),
    new RegExp(`((?:^|[^"\\w])(?:${keys})\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'),
    // query strings and forms: access_token=…
    new RegExp(`(\\b(?:${keys})=)[^&\\s"']+`, 'gi'),
  ];
  return keyPatterns;
}

const TEXT_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // A bearer credential, whatever it is.
  [/\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, `$1${REDACTED}`],
  // A JWT (header.payload[.signature]), wherever it appears.
  [/\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*)?/g, REDACTED],
  // A GOV.UK Notify API key ends in two UUIDs, service id then secret: the secret goes.
  [/([0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}/gi, `$1-${REDACTED}`],
  // Email addresses.
  [/[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+/g, REDACTED],
];

/** A log line, an error message or a stack with every credential, email and sensitive field value replaced. */
export function redactText(text: string): string {
  let result = text;
  for (const pattern of patternsForKeys()) result = result.replace(pattern, `$1${REDACTED}`);
  for (const [pattern, replacement] of TEXT_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/**
 * A value with the same redaction: sensitive fields replaced by name (at any depth), every string
 * through redactText, errors reduced to their redacted name, message and stack. Safe to serialise.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[nested]';
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message), ...(value.stack ? { stack: redactText(value.stack) } : {}) };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    result[key] = sensitiveKeys.has(key) && item !== null && item !== '' ? REDACTED : redactValue(item, depth + 1);
  }
  return result;
}

/** An error that carries only a redacted message and stack: what leaves a failed invocation. */
export class RedactedError extends Error {
  constructor(original: Error) {
    super(redactText(original.message));
    this.name = original.name;
    this.stack = original.stack === undefined ? undefined : redactText(original.stack);
  }
}
