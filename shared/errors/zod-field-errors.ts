import type { z } from 'zod';
import type { FieldError } from '../schemas/problem.js';

type Location = FieldError['in'];

/**
 * Turns zod issues into per-field errors, naming each unknown key as a field of its own.
 * `input` is the value that was validated: a field absent from it is reported as "is required"
 * rather than as a type mismatch against `undefined`.
 */
export function fieldErrorsFromZod(error: z.ZodError, location: Location, input: unknown): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    // A query parameter is named as the client wrote it: `status`, not `status.0` for the first
    // of several comma-separated values.
    const path = location === 'query' ? issue.path.slice(0, 1) : issue.path;
    const base = path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        in: location,
        field: base ? `${base}.${key}` : key,
        message: location === 'query' ? 'is not a known query parameter' : 'is not a known field',
      }));
    }
    const missing = issue.path.length > 0 && valueAt(input, issue.path) === undefined;
    return [{ in: location, field: base || '(root)', message: missing ? 'is required' : friendlyMessage(issue) }];
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function friendlyMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `must be one of: ${issue.values.map(String).join(', ')}`;
  }
  return issue.message;
}
