import type { z } from 'zod';

/** Response headers the API documents (and the contract tests check). */
export type ResponseHeaderName = 'ETag' | 'Location' | 'Retry-After';

export const API_TAGS = ['Tasks', 'Workflow', 'History', 'Notes', 'Attachments', 'Users', 'Reference data', 'Operations', 'Admin', 'Health', 'Documentation'] as const;
export type ApiTag = (typeof API_TAGS)[number];

/** What each group of operations is for: the tags' descriptions in the OpenAPI document. */
export const TAG_DESCRIPTIONS: Readonly<Record<ApiTag, string>> = {
  Tasks: 'Create, read, list, change and delete tasks, one at a time or in batches of up to 100; counts by status and priority.',
  Workflow: 'Atomic actions on one task: claim, unclaim, assign, complete, cancel, reopen. Each is allowed by role and state (see `allowedActions` on every task).',
  History: "A task's audit trail (oldest first) and a check that its hash chain is intact and up to date.",
  Notes: "Append-only notes on a task, newest first; an admin may redact one. Each is an event in the task's audit trail.",
  Attachments: 'Files on a task: a short-lived signed URL to upload straight to Blob Storage, then confirm; checked before anyone may download them.',
  Users: 'The work-allocation directory: who works in which jurisdictions and locations, and their email notification switches.',
  'Reference data': 'Courts and venues, and cases with their tasks.',
  Operations: 'Bulk work run in the background (reassigning a caseload, importing cases): start it (202 + Location), then poll the operation.',
  Admin: 'The operations console, admins only: dead-lettered messages and their replay.',
  Health: 'Liveness, readiness of the dependencies, and the build that is running.',
  Documentation: 'This contract as OpenAPI 3.1 and the interactive docs page (Swagger UI) that signs in and calls the API.',
};

/**
 * How an endpoint appears in the OpenAPI document. It sits beside the endpoint's schemas in its
 * function file, so the contract is generated from the code that serves it (`npm run openapi`).
 */
export interface EndpointDocs {
  summary: string;
  description?: string;
  tag: ApiTag;
  success: {
    status: number;
    description: string;
    /** Schema of `data` in the success envelope; omit for 204. */
    data?: z.ZodType;
    paginated?: boolean;
    headers?: readonly ResponseHeaderName[];
    /** Headers sent only sometimes (e.g. Retry-After while an operation is still running). */
    optionalHeaders?: readonly ResponseHeaderName[];
    /** A raw (not enveloped) body: its media types and schema. */
    raw?: { contentTypes: readonly string[]; schema: z.ZodType };
  };
  /** Other answers that are not errors, e.g. 304. */
  alsoReturns?: readonly { status: number; description: string; headers?: readonly ResponseHeaderName[] }[];
  /** Problem statuses beyond those the pipeline adds by itself (see describeProblems). */
  problems?: readonly number[];
  /**
   * The request body as documented, when the pipeline validates it in parts: a batch checks the
   * envelope first and each item on its own (one bad item is reported in its result instead of
   * failing the other 99), yet the contract shows the items' real schema.
   */
  requestBody?: z.ZodType;
  /** Conditional request headers. */
  requestHeaders?: readonly { name: 'If-Match' | 'If-None-Match'; required: boolean }[];
}
