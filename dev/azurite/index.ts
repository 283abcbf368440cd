import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { ATTACHMENTS_CONTAINER } from '../../shared/config/entities.js';

/**
 * Azurite, the official Azure Storage emulator (npm `azurite`), as the local Blob service: the
 * attachments' storage for `npm start` and the tests, and what `func start` needs for
 * AzureWebJobsStorage. It runs as a child process that ends with its parent, persists under
 * `<dataDir>/azurite`, and never calls home (--disableTelemetry).
 */
export interface LocalBlobService {
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  blobServiceUri: string;
  accountName: string;
  /** Azurite's well-known development key: local only, never a secret. */
  accountKey: string;
  port: number;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
// The emulator's own account name and key, from Azurite itself rather than copied here.
const { EMULATOR_ACCOUNT_NAME, EMULATOR_ACCOUNT_KEY_STR } = require('azurite/dist/src/blob/utils/constants.js') as {
  EMULATOR_ACCOUNT_NAME: string;
  EMULATOR_ACCOUNT_KEY_STR: string;
};

/** Azurite's development account: its well-known name and key (tests read blobs with them). */
export const AZURITE_ACCOUNT = { name: EMULATOR_ACCOUNT_NAME, key: EMULATOR_ACCOUNT_KEY_STR } as const;

const LISTENING = /successfully listens on (http:\/\/\S+)/;

/** Azurite's own `azurite-blob` command (its package's bin). */
const BLOB_COMMAND = require.resolve('azurite/dist/src/blob/main.js');

/**
 * The child: runs Azurite's Blob command in-process with an IPC channel to the host. When the host
 * goes away, even killed, the channel closes and the child shuts the service down cleanly (Azurite
 * closes on SIGTERM, flushing its metadata) and ends, so no emulator outlives its host. Given to
 * `node -e`, so it runs the same from the sources (tests) and from dist/ (npm start).
 */
const CHILD_SCRIPT = `
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  // The open channel would keep the process alive after the server closed; end anyway if anything lingers.
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', stop);
process.on('disconnect', () => {
  if (stopping) return;
  stop();
  process.kill(process.pid, 'SIGTERM');
});
const command = process.env.AZURITE_BLOB_COMMAND;
process.argv = [process.argv[0], command, ...JSON.parse(process.env.AZURITE_BLOB_ARGS)];
require(command);
`;

export async function startAzurite(options: { dataDir: string; port?: number; log?: (line: string) => void }): Promise<LocalBlobService> {
  const location = join(options.dataDir, 'azurite');
  mkdirSync(location, { recursive: true });
  const args = ['--location', location, '--blobHost', '127.0.0.1', '--blobPort', String(options.port ?? 0), '--skipApiVersionCheck', '--disableTelemetry', '--silent'];
  const child = spawn(process.execPath, ['-e', CHILD_SCRIPT], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, AZURITE_BLOB_COMMAND: BLOB_COMMAND, AZURITE_BLOB_ARGS: JSON.stringify(args) },
  });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within 60 s:\n${output}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      options.log?.(`[azurite] ${chunk.trimEnd()}`);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite ended (${code}) before it listened:\n${output}`));
    });
  });
  const port = Number(new URL(origin).port);
  const blobServiceUri = `http://127.0.0.1:${port}/${EMULATOR_ACCOUNT_NAME}`;
  const service = {
    blobServiceUri,
    accountName: EMULATOR_ACCOUNT_NAME,
    accountKey: EMULATOR_ACCOUNT_KEY_STR,
    port,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
  await ensureAttachmentsContainer(service);
  return service;
}

/** The attachments container, as Bicep provisions it in Azure. */
export async function ensureAttachmentsContainer(service: Pick<LocalBlobService, 'blobServiceUri' | 'accountName' | 'accountKey'>): Promise<void> {
  const client = new BlobServiceClient(service.blobServiceUri, new StorageSharedKeyCredential(service.accountName, service.accountKey));
  await client.getContainerClient(ATTACHMENTS_CONTAINER).createIfNotExists();
}
