import { z } from 'zod';
import { sensitive, uuidSchema } from './primitives.js';

/**
 * The kinds of file a task may carry, by media type. Each is checked against the file's first
 * bytes when the upload is completed (shared/domain/file-signature.ts), never by its name.
 */
export const ATTACHMENT_CONTENT_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'text/plain',
] as const;
export const attachmentContentTypeSchema = z.enum(ATTACHMENT_CONTENT_TYPES, {
  message: `must be one of ${ATTACHMENT_CONTENT_TYPES.join(', ')}`,
});
export type AttachmentContentType = z.infer<typeof attachmentContentTypeSchema>;

/** Largest file: 25 MiB. */
export const ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;

export const ATTACHMENT_STATUSES = ['pending', 'available', 'rejected', 'deleted'] as const;
export type AttachmentStatus = (typeof ATTACHMENT_STATUSES)[number];

/** Malware scanning: `not_scanned` until a scanner says otherwise (always, where scanning is off). */
export const SCAN_STATES = ['not_scanned', 'clean', 'infected'] as const;
export type ScanState = (typeof SCAN_STATES)[number];

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** A file name as shown to people and put in Content-Disposition: no path, no control characters. */
export const fileNameSchema = sensitive(
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters')
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters')
    .refine((value) => !/[\\/]/.test(value), 'must be a file name, not a path (no / or \\)')
    .refine((value) => value !== '.' && value !== '..', 'must be a file name'),
);

/** Body of `POST /v1/tasks/{id}/attachments`: what the client is about to upload. */
export const createAttachmentSchema = z
  .strictObject({
    fileName: fileNameSchema,
    contentType: attachmentContentTypeSchema,
    sizeBytes: z
      .number({ message: 'must be a number of bytes' })
      .int('must be a whole number of bytes')
      .min(1, 'must be at least 1 byte')
      .max(ATTACHMENT_MAX_BYTES, `must be at most ${ATTACHMENT_MAX_BYTES} bytes (25 MiB)`),
  })
  .meta({ id: 'NewAttachment', example: { fileName: 'appeal-bundle.pdf', contentType: 'application/pdf', sizeBytes: 482133 } });
export type CreateAttachmentInput = z.infer<typeof createAttachmentSchema>;

export const attachmentParamsSchema = z.strictObject({ id: uuidSchema, attachmentId: uuidSchema });

const instant = z.string().max(40).meta({ format: 'date-time' });
/** A SAS URL: a credential for as long as it is valid. */
const url = sensitive(z.string().max(4096)).meta({ format: 'uri' });
const actor = z.object({ userId: z.string().max(128), name: sensitive(z.string().max(255)).nullable() });

/** An attachment as the API returns it; the URLs only where they apply (see each). */
export const attachmentSchema = z
  .object({
    id: uuidSchema,
    taskId: uuidSchema,
    fileName: sensitive(z.string().max(255)),
    contentType: attachmentContentTypeSchema,
    sizeBytes: z.number().int().min(1).max(ATTACHMENT_MAX_BYTES),
    /** pending (waiting for the upload and `complete`), available, rejected (see rejectionReason), deleted. */
    status: z.enum(ATTACHMENT_STATUSES),
    scan: z.enum(SCAN_STATES),
    rejectionReason: z.string().max(500).nullable(),
    uploadedBy: actor,
    createdAt: instant,
    completedAt: instant.nullable(),
    /**
     * Only in the answer to the create (and its replays): PUT the bytes here, straight to Blob
     * Storage, with the `uploadHeaders`, before `uploadExpiresAt`. Write-only, for this one file.
     */
    uploadUrl: url.optional(),
    uploadExpiresAt: instant.optional(),
    uploadHeaders: z.record(z.string().max(64), z.string().max(256)).optional(),
    /**
     * Only for an available file that may be offered (never an infected one; with scanning on, only a
     * clean one): a read-only link, valid until `downloadExpiresAt`, that downloads it as a file.
     */
    downloadUrl: url.optional(),
    downloadExpiresAt: instant.optional(),
  })
  .meta({
    id: 'Attachment',
    example: {
      id: '0b7f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b',
      taskId: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      fileName: 'appeal-bundle.pdf',
      contentType: 'application/pdf',
      sizeBytes: 482133,
      status: 'available',
      scan: 'clean',
      rejectionReason: null,
      uploadedBy: { userId: 'c0000000-0000-4000-8000-000000000001', name: 'Sam Caseworker' },
      createdAt: '2030-01-10T09:30:00.000Z',
      completedAt: '2030-01-10T09:31:12.000Z',
      downloadUrl:
        'https://stcaseloaddevfiles.blob.core.windows.net/attachments/files/3fa85f64-5717-4562-b3fc-2c963f66afa6/0b7f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b/5c9e?sv=2025-07-05&se=2030-01-10T09%3A40%3A00Z&sr=b&sp=r&rscd=attachment%3B%20filename%3D%22appeal-bundle.pdf%22&sig=EXAMPLE',
      downloadExpiresAt: '2030-01-10T09:40:00.000Z',
    },
  });
export type Attachment = z.infer<typeof attachmentSchema>;
