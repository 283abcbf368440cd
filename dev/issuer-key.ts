import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';

/** ES256: small keys and tokens, and a different algorithm from Entra's RS256 keeps both paths tested. */
export const DEV_SIGNING_ALG = 'ES256';
const KEY_FILE = 'private-key.pem';

export interface DevSigningKey {
  privateKey: CryptoKey;
  /** Public half only (no `d`), with kid, alg and use: what the JWKS publishes. */
  publicJwk: JWK;
  kid: string;
}

/**
 * The dev issuer's key pair, created once in `dir` and reused, so tokens survive restarts.
 *
 * The kid is the key's RFC 7638 thumbprint, derived rather than stored: it cannot drift from
 * the key, and it changes by itself if the key file is replaced.
 *
 * Creation is race-free between processes (`npm run token` while the host starts): each writes
 * its own temporary file and hard-links it into place, which fails if the file already exists;
 * the loser discards its key and reads the winner's. A reader never sees a half-written file.
 */
/** Where the key of `dir` lives (it may not exist yet). */
export const signingKeyFile = (dir: string): string => join(dir, KEY_FILE);

export async function loadOrCreateSigningKey(dir: string): Promise<DevSigningKey> {
  const file = signingKeyFile(dir);
  const pem = (await readIfExists(file)) ?? (await createKeyFile(dir, file));
  let privateKey: CryptoKey;
  try {
    privateKey = await importPKCS8(pem, DEV_SIGNING_ALG, { extractable: true });
  } catch (cause) {
    throw new Error(
      `The dev issuer key ${file} is not a PKCS8 P-256 private key. Delete ${dir} to create a new one ` +
        '(tokens signed with the old key then stop working).',
      { cause },
    );
  }
  const { kty, crv, x, y } = await exportJWK(privateKey);
  const publicPart = { kty, crv, x, y };
  const kid = await calculateJwkThumbprint(publicPart);
  return { privateKey, kid, publicJwk: { ...publicPart, kid, alg: DEV_SIGNING_ALG, use: 'sig' } };
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function createKeyFile(dir: string, file: string): Promise<string> {
  // 0700/0600: a private signing key, readable by its owner only (ignored on Windows).
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(DEV_SIGNING_ALG, { extractable: true });
  const pem = await exportPKCS8(privateKey);
  const temporary = join(dir, `.${KEY_FILE}.${randomUUID()}.tmp`);
  await writeFile(temporary, pem, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
    return pem;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFile(file, 'utf8');
  } finally {
    // A leftover temporary file is harmless; do not let it mask the outcome.
    await unlink(temporary).catch(() => undefined);
  }
}
