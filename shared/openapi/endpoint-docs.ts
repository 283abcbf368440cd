import type { z } from 'zod';

/** Response headers the API documents (and the contract tests check). */
export type ResponseHeaderName = 'ETag' | 'Location' | 'Retry-After';

export const API_TAGS = ['Tasks', 'Workflow', 'History', 'Notes', 'Attachments', 'Users', 'Reference data', 'Operations', 'Admin', 'Health', 'Documentation'] as const;
export type ApiTag = (typeof API_TAGS)[number];

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
  /** Conditional request headers. */
  requestHeaders?: readonly { name: 'If-Match' | 'If-None-Match'; required: boolean }[];
}
