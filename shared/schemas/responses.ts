import { z } from 'zod';
import { roleSchema } from '../auth/roles.js';
import { taskEventSchema } from './event.js';
import { sensitive } from './primitives.js';
import { caseRecordSchema } from './reference.js';
import { taskSchema, PRIORITIES, TASK_STATUSES } from './task.js';
import { userSchema } from './user.js';

/**
 * Schemas of response bodies that no request uses: they exist for the OpenAPI document and the
 * contract tests, which validate every response of the integration suite against it. Handlers
 * build these values; the types here keep them honest.
 */
const counts = <T extends readonly string[]>(keys: T) =>
  z.object(Object.fromEntries(keys.map((key) => [key, z.number().int().min(0)])) as Record<T[number], z.ZodNumber>);

export const taskStatsSchema = z.object({
  byStatus: counts(TASK_STATUSES),
  byPriority: counts(PRIORITIES),
  overdue: z.number().int().min(0),
  total: z.number().int().min(0),
});

export const taskListSchema = z.array(taskSchema);

export const auditRecordSchema = taskEventSchema.extend({ recordedAt: z.string() }).meta({ id: 'AuditRecord' });

export const chainReportSchema = z.object({
  taskId: z.uuid(),
  intact: z.boolean(),
  upToDate: z.boolean(),
  records: z.number().int().min(0),
  taskVersion: z.number().int().min(0),
  problems: z.array(
    z.object({
      sequence: z.number().int(),
      problem: z.enum(['hash_mismatch', 'broken_link', 'missing', 'unexpected_sequence']),
      detail: z.string(),
    }),
  ),
});

const all = z.literal('all');
export const meSchema = z.object({
  id: z.string(),
  name: sensitive(z.string()).nullable(),
  roles: z.array(roleSchema),
  profile: userSchema.nullable(),
  scope: z.object({
    jurisdictions: z.union([all, z.array(z.string())]),
    locations: z.union([all, z.array(z.string())]),
    tasks: z.enum(['all', 'assigned-to-me-or-unassigned']),
  }),
  permissions: z.record(z.string(), z.boolean()),
});

export const caseSchema = caseRecordSchema
  .extend({ importedAt: z.string() })
  .strip()
  .meta({
    id: 'Case',
    example: { caseId: '1234567812345678', jurisdiction: 'IA', locationId: '765324', caseName: 'Smith, John v SSHD', caseType: 'Asylum', importedAt: '2029-11-20T14:00:00.000Z' },
  });

export const deadLetterSchema = z.object({
  messageId: z.string(),
  sequenceNumber: z.string(),
  subject: z.string().nullable(),
  correlationId: z.string().nullable(),
  body: z.unknown(),
  deliveryCount: z.number().int().min(0),
  enqueuedTimeUtc: z.string().nullable(),
  deadLetterReason: z.string().nullable(),
  deadLetterErrorDescription: z.string().nullable(),
  applicationProperties: z.record(z.string(), z.unknown()),
});

export const replayResultSchema = z.object({ replayed: z.number().int().min(0), messageIds: z.array(z.string()) });

const checkSchema = z.object({
  status: z.enum(['ok', 'failed']),
  durationMs: z.number().int().min(0).meta({ description: 'How long the dependency took to answer: its latency as the check saw it.' }),
  reason: z.string().optional(),
});
export const readinessSchema = z.object({
  status: z.literal('ready'),
  checks: z.record(z.string(), checkSchema),
  checkedAt: z.string().max(40).meta({ description: 'When the checks ran; every probe within 5 seconds gets this same answer.' }),
});
export const livenessSchema = z.object({ status: z.literal('ok') });
export const versionSchema = z.object({ name: z.string(), version: z.string(), build: z.string().nullable(), node: z.string() });
