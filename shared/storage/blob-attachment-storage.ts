import type { TokenCredential } from '@azure/identity';
import {
  BlobSASPermissions,
  BlobServiceClient,
  RestError,
  SASProtocol,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type BlobSASSignatureValues,
  type ContainerClient,
  type UserDelegationKey,
} from '@azure/storage-blob';
import type { AttachmentStorage } from './attachment-storage.js';

/**
 * The attachment storage over @azure/storage-blob. The one place the SDK is imported, and only
 * ever dynamically (services.ts), so the deployment package keeps it in a module of its own
 * (dev/package/layout.ts DEFERRED_MODULES) and cold starts do not load it.
 *
 * Shared access signatures come from one of two signers, chosen in the composition root:
 * - `userDelegationSigner` (Azure): a user delegation key obtained with the managed identity
 *   (Storage Blob Delegator on the account), cached until shortly before it expires; the SAS can do
 *   no more than the identity may (Storage Blob Data Contributor on the attachments container).
 *   The account allows no shared-key access at all.
 * - `accountKeySigner` (Azurite only): the emulator's well-known account key, which the local host
 *   supplies; Azurite offers OAuth (and so user delegation keys) only over HTTPS.
 */
export interface SasSigner {
  /** `sig` and the rest of the query string for these values. */
  sign(values: BlobSASSignatureValues): Promise<string>;
}

/** Azurite: signed with the account key. */
export function accountKeySigner(credential: StorageSharedKeyCredential): SasSigner {
  return { sign: async (values) => generateBlobSASQueryParameters(values, credential).toString() };
}

/** How long a user delegation key is asked for, and how long before its end a new one is fetched. */
const DELEGATION_KEY_HOURS = 6;
const DELEGATION_KEY_RENEW_MS = 30 * 60 * 1000;

/** Azure: signed with a user delegation key, fetched with the identity and reused for hours. */
export function userDelegationSigner(service: BlobServiceClient, accountName: string): SasSigner {
  let cached: Promise<UserDelegationKey> | undefined;
  let validUntil = 0;
  const key = (): Promise<UserDelegationKey> => {
    if (!cached || Date.now() > validUntil - DELEGATION_KEY_RENEW_MS) {
      const startsOn = new Date(Date.now() - 5 * 60 * 1000);
      const expiresOn = new Date(Date.now() + DELEGATION_KEY_HOURS * 60 * 60 * 1000);
      validUntil = expiresOn.getTime();
      cached = service.getUserDelegationKey(startsOn, expiresOn).catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
    }
    return cached;
  };
  return {
    async sign(values) {
      // A SAS must not outlive the key that signs it.
      const delegationKey = await key();
      return generateBlobSASQueryParameters(values, delegationKey, accountName).toString();
    },
  };
}

export interface BlobAttachmentStorageOptions {
  blobServiceUri: string;
  container: string;
  /** Azurite's account key, or the identity for a user delegation key: the one branch that differs. */
  auth: { accountKey: string } | { credential: TokenCredential };
}

/** Few, short tries: a request waits on storage within its budget, then answers 503. */
const RETRY_OPTIONS = { maxTries: 2, tryTimeoutInMs: 10_000, retryDelayInMs: 200, maxRetryDelayInMs: 1000 };
/** A little before now: the storage service's clock may run slightly ahead of ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** How long the read URL of a server-side copy's source is valid. */
const COPY_SOURCE_MS = 5 * 60 * 1000;

export function createBlobAttachmentStorage(options: BlobAttachmentStorageOptions): AttachmentStorage {
  const accountName = accountNameOf(options.blobServiceUri);
  let service: BlobServiceClient;
  let signer: SasSigner;
  if ('accountKey' in options.auth) {
    const credential = new StorageSharedKeyCredential(accountName, options.auth.accountKey);
    service = new BlobServiceClient(options.blobServiceUri, credential, { retryOptions: RETRY_OPTIONS });
    signer = accountKeySigner(credential);
  } else {
    service = new BlobServiceClient(options.blobServiceUri, options.auth.credential, { retryOptions: RETRY_OPTIONS });
    signer = userDelegationSigner(service, accountName);
  }
  const container = service.getContainerClient(options.container);
  // Azure is HTTPS only; Azurite runs on plain HTTP on this machine.
  const protocol = new URL(options.blobServiceUri).protocol === 'https:' ? SASProtocol.Https : SASProtocol.HttpsAndHttp;
  const signedUrl = async (blobName: string, values: Omit<BlobSASSignatureValues, 'containerName' | 'blobName' | 'protocol' | 'startsOn'>) =>
    `${container.getBlobClient(blobName).url}?${await signer.sign({
      containerName: options.container,
      blobName,
      protocol,
      startsOn: new Date(Date.now() - CLOCK_SKEW_MS),
      ...values,
    })}`;

  return {
    uploadUrl: (blobName, expiresOn) => signedUrl(blobName, { permissions: BlobSASPermissions.parse('cw'), expiresOn }),

    downloadUrl: (blobName, expiresOn, file) =>
      signedUrl(blobName, {
        permissions: BlobSASPermissions.parse('r'),
        expiresOn,
        contentDisposition: contentDisposition(file.fileName),
        contentType: file.contentType,
      }),

    async copy(source, target) {
      const sourceUrl = await signedUrl(source, { permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + COPY_SOURCE_MS) });
      try {
        await container.getBlockBlobClient(target).syncCopyFromURL(sourceUrl);
        return 'copied';
      } catch (error) {
        if (statusOf(error) === 404) return 'missing';
        throw error;
      }
    },

    async readRange(blobName, offset, count) {
      try {
        const response = await container.getBlobClient(blobName).download(offset, count);
        const bytes = await readAll(response.readableStreamBody);
        return { bytes, totalSize: totalSizeOf(response.contentRange, response.contentLength ?? bytes.length) };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        // An empty blob has no byte 0: the range is refused (416), the size is 0.
        if (statusOf(error) === 416) return totalSizeOrUndefined(container, blobName);
        throw error;
      }
    },

    async delete(blobName) {
      await container.getBlobClient(blobName).deleteIfExists({ deleteSnapshots: 'include' });
    },

    async tags(blobName) {
      try {
        return (await container.getBlobClient(blobName).getTags()).tags;
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
  };
}

async function totalSizeOrUndefined(container: ContainerClient, blobName: string): Promise<{ bytes: Buffer; totalSize: number } | undefined> {
  try {
    const properties = await container.getBlobClient(blobName).getProperties();
    return { bytes: Buffer.alloc(0), totalSize: properties.contentLength ?? 0 };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/**
 * The account name, which a SAS signs: the first label of `<account>.blob.core.windows.net`, or
 * the first path segment of an emulator URL (`http://127.0.0.1:10000/devstoreaccount1`).
 */
export function accountNameOf(blobServiceUri: string): string {
  const url = new URL(blobServiceUri);
  const pathStyle = /^[\d.]+$|^localhost$|^\[/.test(url.hostname);
  const name = pathStyle ? url.pathname.split('/').find((segment) => segment !== '') : url.hostname.split('.')[0];
  if (!name) throw new Error(`Cannot tell the storage account name from ${blobServiceUri}`);
  return name;
}

/**
 * `attachment` with the file's name: plain ASCII for old clients, and the exact name in UTF-8
 * (RFC 6266, RFC 8187) for the rest. Quotes and backslashes never reach the quoted form.
 */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** `bytes 0-65535/123456` → 123456; without a range, the length of what came back. */
function totalSizeOf(contentRange: string | undefined, fallback: number): number {
  const total = contentRange ? /\/(\d+)$/.exec(contentRange)?.[1] : undefined;
  return total === undefined ? fallback : Number(total);
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

const statusOf = (error: unknown): number | undefined => (error instanceof RestError ? error.statusCode : (error as { statusCode?: number } | undefined)?.statusCode);
