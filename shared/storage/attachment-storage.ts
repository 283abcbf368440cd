import { AppError, unavailable } from '../errors/app-error.js';

/**
 * Where attachment bytes live: Blob Storage, reached by the app only for checks and housekeeping.
 * Clients upload and download straight to and from storage with the short-lived URLs this port
 * signs (shared access signatures); the bytes never pass through a function.
 *
 * The adapter (blob-attachment-storage.ts, @azure/storage-blob) is loaded on first use, so the SDK
 * stays off the worker's cold start (dev/package/layout.ts DEFERRED_MODULES).
 */
export interface AttachmentStorage {
  /** A URL that may create and write this one blob, and nothing else, until `expiresOn`. */
  uploadUrl(blobName: string, expiresOn: Date): Promise<string>;
  /** A read-only URL for this blob until `expiresOn`, answered with Content-Disposition: attachment and the file's name and type. */
  downloadUrl(blobName: string, expiresOn: Date, file: { fileName: string; contentType: string }): Promise<string>;
  /** Copies a blob within the container, server-side; 'missing' when there is no such source (nothing uploaded). */
  copy(sourceBlobName: string, targetBlobName: string): Promise<'copied' | 'missing'>;
  /** Up to `count` bytes from `offset` (a ranged download) and the blob's whole size; undefined when it does not exist. */
  readRange(blobName: string, offset: number, count: number): Promise<{ bytes: Buffer; totalSize: number } | undefined>;
  /** Deletes the blob if it exists (soft delete keeps it for a while in Azure). */
  delete(blobName: string): Promise<void>;
  /** The blob's index tags (Defender for Storage writes its scan result there); undefined when the blob is gone. */
  tags(blobName: string): Promise<Record<string, string> | undefined>;
}

/** An adapter created on first use (the SDK loads then). */
export function deferredAttachmentStorage(create: () => Promise<AttachmentStorage>): AttachmentStorage {
  let adapter: Promise<AttachmentStorage> | undefined;
  const get = (): Promise<AttachmentStorage> => {
    adapter ??= create().catch((error: unknown) => {
      // A failed load (a transient token failure while building the client) is tried again next time.
      adapter = undefined;
      throw error;
    });
    return adapter;
  };
  return {
    uploadUrl: (blobName, expiresOn) => withStorageErrors(async () => (await get()).uploadUrl(blobName, expiresOn)),
    downloadUrl: (blobName, expiresOn, file) => withStorageErrors(async () => (await get()).downloadUrl(blobName, expiresOn, file)),
    copy: (source, target) => withStorageErrors(async () => (await get()).copy(source, target)),
    readRange: (blobName, offset, count) => withStorageErrors(async () => (await get()).readRange(blobName, offset, count)),
    delete: (blobName) => withStorageErrors(async () => (await get()).delete(blobName)),
    tags: (blobName) => withStorageErrors(async () => (await get()).tags(blobName)),
  };
}

/**
 * Storage trouble (unreachable, throttled, refusing the identity) is the caller's retryable 503,
 * never a 500; the cause goes to the log. Translated here, in the main bundle: the adapter lives in
 * a bundle of its own and throws the SDK's errors as they are.
 */
async function withStorageErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppError) throw error;
    const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
    const detail = typeof status === 'number' ? `answered ${status}` : 'could not be reached';
    throw new AppError('unavailable', `Attachment storage ${detail}. Retry shortly.`, { retryAfterSeconds: 5, cause: error });
  }
}

/** Without a storage account every attachment operation is a 503 naming the missing setting. */
export function unconfiguredAttachmentStorage(settingName: string): AttachmentStorage {
  const refuse = async (): Promise<never> => {
    throw unavailable(`Attachments are not configured here (${settingName} is not set).`, 60);
  };
  return { uploadUrl: refuse, downloadUrl: refuse, copy: refuse, readRange: refuse, delete: refuse, tags: refuse };
}
