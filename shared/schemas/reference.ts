import { z } from 'zod';
import { caseIdSchema, locationIdSchema, sensitive } from './primitives.js';
import { jurisdictionSchema } from './task.js';

/** A court or venue. */
export const locationSchema = z.object({
  id: locationIdSchema,
  name: z.string(),
  region: z.string(),
}).meta({ id: 'Location', example: { id: '765324', name: 'Taylor House Tribunal Hearing Centre', region: 'London' } });
export type Location = z.infer<typeof locationSchema>;

/** A case as imported from the court's case management system (CCD). */
export const caseRecordSchema = z.strictObject({
  caseId: caseIdSchema,
  jurisdiction: jurisdictionSchema,
  locationId: locationIdSchema,
  caseName: sensitive(z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters')),
  caseType: z
    .string()
    .trim()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, _ or -, starting with a letter'),
});
export type CaseRecord = z.infer<typeof caseRecordSchema>;

export const caseIdParamsSchema = z.strictObject({ caseId: caseIdSchema });
