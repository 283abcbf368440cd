import type { z } from 'zod';
import type { FieldError } from '../schemas/problem.js';

type Location = FieldError['in'];

/** Turns zod issues into per-field errors, naming each unknown key as a field of its own. */
export function fieldErrorsFromZod(error: z.ZodError, location: Location): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        in: location,
        field: base ? `${base}.${key}` : key,
        message: location === 'query' ? 'is not a known query parameter' : 'is not a known field',
      }));
    }
    return [{ in: location, field: base || '(root)', message: friendlyMessage(issue) }];
  });
}

function friendlyMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `must be one of: ${issue.values.map(String).join(', ')}`;
  }
  return issue.message;
}
