import { z } from 'zod';

/** Where in the request a bad value was found. */
export const PROBLEM_LOCATIONS = ['body', 'query', 'path', 'header'] as const;

export const fieldErrorSchema = z
  .object({
  in: z.enum(PROBLEM_LOCATIONS),
  /** Dotted path of the field, e.g. `dueDate` or `items.3.title`; the header name for headers. */
  field: z.string().max(200),
  message: z.string().max(500),
})
  .meta({ id: 'FieldError' });
export type FieldError = z.infer<typeof fieldErrorSchema>;

/** RFC 9457 problem details, with the correlation id and per-field errors as extensions. */
export const problemSchema = z.object({
  type: z.string().max(200),
  title: z.string().max(200),
  status: z.number().int().min(400).max(599),
  detail: z.string().max(2000),
  instance: z.string().max(2048),
  correlationId: z.string().max(128),
  errors: z.array(fieldErrorSchema).max(50).optional(),
}).meta({
  id: 'Problem',
  description: 'RFC 9457 problem details',
  example: {
    type: '/problems/validation',
    title: 'Your request has invalid fields',
    status: 400,
    detail: 'dueDate: must be in the future',
    instance: '/api/v1/tasks',
    correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
    errors: [{ in: 'body', field: 'dueDate', message: 'must be in the future' }],
  },
});
export type Problem = z.infer<typeof problemSchema>;
