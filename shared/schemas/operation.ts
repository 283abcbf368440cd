import { z } from 'zod';
import { roleSchema } from '../auth/roles.js';
import { sensitive, userIdSchema, uuidSchema } from './primitives.js';
import { caseRecordSchema } from './reference.js';
import { jurisdictionSchema } from './task.js';

/**
 * Long-running operations (bulk reassignment, case import): what a client sends to start one, what
 * it polls, and what is stored for the worker. See docs/operations.md.
 */
export const OPERATION_TYPES = ['reassign', 'case-import'] as const;
export const operationTypeSchema = z.enum(OPERATION_TYPES);
export type OperationType = z.infer<typeof operationTypeSchema>;

export const OPERATION_STATUSES = ['queued', 'running', 'succeeded', 'completed_with_errors', 'failed'] as const;
export const operationStatusSchema = z.enum(OPERATION_STATUSES);
export type OperationStatus = z.infer<typeof operationStatusSchema>;
export const TERMINAL_OPERATION_STATUSES: readonly OperationStatus[] = ['succeeded', 'completed_with_errors', 'failed'];

/** Rows one import may carry: 5,000 cases of ~300 bytes stay well inside the 2 MiB body limit. */
export const MAX_IMPORT_ROWS = 5000;
/** Tasks one reassignment may move; a larger caseload is moved one jurisdiction at a time. */
export const MAX_REASSIGN_TASKS = 5000;

/** Body of `POST /v1/operations/reassign`. */
export const reassignRequestSchema = z
  .strictObject({
    fromUserId: userIdSchema,
    /** null: back to the queue (unassigned, pending). */
    toUserId: userIdSchema.nullable(),
    jurisdiction: jurisdictionSchema.optional(),
  })
  .refine((body) => body.fromUserId !== body.toUserId, { path: ['toUserId'], message: 'must differ from fromUserId' });
export type ReassignRequest = z.infer<typeof reassignRequestSchema>;

/**
 * Body of `POST /v1/cases/import` (JSON, or CSV decoded to the same shape). Rows are deliberately
 * `unknown` here: each is validated on its own so one bad row is reported, not the whole import refused.
 */
export const caseImportRequestSchema = z.strictObject({
  cases: z.array(z.unknown()).min(1, 'must hold at least one row').max(MAX_IMPORT_ROWS, `must hold at most ${MAX_IMPORT_ROWS} rows`),
});
export type CaseImportRequest = z.infer<typeof caseImportRequestSchema>;

export const operationIdParamsSchema = z.strictObject({ id: uuidSchema });

export const progressSchema = z.object({
  totalItems: z.number().int().nonnegative(),
  processedItems: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  totalChunks: z.number().int().nonnegative(),
  completedChunks: z.number().int().nonnegative(),
});

/** One item that could not be done: a task id, or `row N` of an import (1-based data row). */
export const operationErrorSchema = z.object({
  item: z.string(),
  field: z.string().optional(),
  message: z.string(),
});
export type OperationError = z.infer<typeof operationErrorSchema>;

export const reassignParametersSchema = z.object({
  fromUserId: userIdSchema,
  toUserId: userIdSchema.nullable(),
  jurisdiction: jurisdictionSchema.nullable(),
});
export type ReassignParameters = z.infer<typeof reassignParametersSchema>;

export const caseImportParametersSchema = z.object({ rows: z.number().int().nonnegative() });

/** An operation as `GET /v1/operations/{id}` returns it. */
export const operationViewSchema = z.object({
  id: uuidSchema,
  type: operationTypeSchema,
  status: operationStatusSchema,
  requestedBy: z.object({ userId: z.string(), name: sensitive(z.string()).nullable() }),
  parameters: z.union([reassignParametersSchema, caseImportParametersSchema]),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().nullable(),
  progress: progressSchema,
  /** The first errors (at most MAX_OPERATION_ERRORS); `omittedErrors` counts the rest. */
  errors: z.array(operationErrorSchema),
  omittedErrors: z.number().int().nonnegative(),
}).meta({ id: 'Operation' });
export type OperationView = z.infer<typeof operationViewSchema>;

/** The requester as the worker acts for them: it has no request, so the scope is kept from the request. */
export const storedPrincipalSchema = z.object({
  userId: z.string(),
  name: z.string().optional(),
  roles: z.array(roleSchema),
  workScope: z.object({ jurisdictions: z.array(z.string()), locations: z.array(z.string()) }).optional(),
});

/** The operation document in the `operations` container: the view plus what the worker needs. */
export const operationDocumentSchema = operationViewSchema.extend({
  docType: z.literal('operation'),
  requester: storedPrincipalSchema,
  /** The request's correlation id: every event the operation causes carries it. */
  correlationId: z.string(),
  /** Chunks whose results are merged: the idempotency record (a chunk's counts are added once). */
  doneChunks: z.array(z.number().int().nonnegative()),
  /** Chunks given up after the last delivery attempt: their items count as failed and the operation as failed. */
  abortedChunks: z.array(z.number().int().nonnegative()),
  /** When every chunk message was sent; null until then (the dispatch relay finishes the job). */
  dispatchedAt: z.string().nullable(),
});
export type OperationDocument = z.infer<typeof operationDocumentSchema>;

export const importItemSchema = z.object({ row: z.number().int().positive(), record: caseRecordSchema });
export type ImportItem = z.infer<typeof importItemSchema>;

const chunkBase = {
  id: z.string(),
  docType: z.literal('operation-chunk'),
  operationId: uuidSchema,
  chunk: z.number().int().nonnegative(),
};

/** A slice of an operation's items, stored apart from it (Cosmos caps a document at 2 MB). */
export const chunkDocumentSchema = z.discriminatedUnion('type', [
  z.object({ ...chunkBase, type: z.literal('reassign'), items: z.array(uuidSchema) }),
  z.object({ ...chunkBase, type: z.literal('case-import'), items: z.array(importItemSchema) }),
]);
export type ChunkDocument = z.infer<typeof chunkDocumentSchema>;

/** The body of a message on the `operations` queue: which chunk to process. */
export const chunkMessageSchema = z.object({ operationId: uuidSchema, chunk: z.number().int().nonnegative() });
export type ChunkMessage = z.infer<typeof chunkMessageSchema>;

/** What processing one chunk found, before it is merged into the operation. */
export const chunkResultSchema = z.object({
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  errors: z.array(operationErrorSchema),
});
export type ChunkResult = z.infer<typeof chunkResultSchema>;
