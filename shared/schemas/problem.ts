import { z } from 'zod';

/** Where in the request a bad value was found. */
export const PROBLEM_LOCATIONS = ['body', 'query', 'path', 'header'] as const;

export const fieldErrorSchema = z
  .object({
  in: z.enum(PROBLEM_LOCATIONS),
  /** Dotted path of the field, e.g. `dueDate` or `items.3.title`; the header name for headers. */
  field: z.string(),
  message: z.string(),
})
  .meta({ id: 'FieldError' });
export type FieldError = z.infer<typeof fieldErrorSchema>;

/** RFC 9457 problem details, with the correlation id and per-field errors as extensions. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  correlationId: z.string(),
  errors: z.array(fieldErrorSchema).optional(),
}).meta({ id: 'Problem', description: 'RFC 9457 problem details' });
export type Problem = z.infer<typeof problemSchema>;
