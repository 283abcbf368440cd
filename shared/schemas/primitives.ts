import { z } from 'zod';

/** C0/C1 control characters, which have no business in a title and break logs and UIs. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** The same, but allowing tab, line feed and carriage return, which free text legitimately holds. */
const CONTROL_CHARACTERS_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * The metadata key that marks a schema's value as personal or free text: `.meta({ sensitive: true })`,
 * or sensitive(schema). Such a field's value never reaches a log (shared/telemetry/redaction.ts
 * collects the marked field names from every registered schema), and the OpenAPI document flags it
 * `x-sensitive: true` so that clients know to keep it out of their own logs.
 */
export const SENSITIVE_META = 'sensitive';

/** The schema, marked sensitive (SENSITIVE_META). */
export function sensitive<T extends z.ZodType>(schema: T): T {
  return schema.meta({ [SENSITIVE_META]: true }) as T;
}

export const uuidSchema = z.uuid({ message: 'must be a UUID' }).max(36);

/** A CCD case reference: exactly 16 digits. */
export const caseIdSchema = z.string().max(16).regex(/^\d{16}$/, 'must be a 16-digit CCD case reference').meta({ example: '1234567812345678' });

/** A court or venue id (ePIMS ids are numeric, but other systems use short codes). */
export const locationIdSchema = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be 1-64 letters, digits or hyphens')
  .meta({ example: '765324' });

/** A user id: in Azure the Entra object id; any stable, URL-safe identifier is accepted. */
export const userIdSchema = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'must be 1-128 letters, digits or . _ @ -')
  .meta({ example: 'c0000000-0000-4000-8000-000000000001' });

export const titleSchema = sensitive(
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters')
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters'),
);

export const descriptionSchema = sensitive(
  z
    .string()
    .max(2000, 'must be at most 2000 characters')
    .refine((value) => !CONTROL_CHARACTERS_EXCEPT_WHITESPACE.test(value), 'must not contain control characters'),
);

/**
 * An instant in ISO 8601 with an explicit UTC designator, normalised to
 * `YYYY-MM-DDTHH:mm:ss.sssZ`. Stored that way, instants sort and compare correctly as strings,
 * which is how Cosmos range queries and ORDER BY treat them.
 */
export const utcDateTimeSchema = z.iso
  .datetime({ message: 'must be an ISO 8601 date-time in UTC, e.g. 2026-12-01T09:00:00Z' })
  .max(40)
  .meta({ example: '2030-01-15T09:00:00Z' })
  .transform((value) => new Date(value).toISOString());
