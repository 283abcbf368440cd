import { hkdfSync } from 'node:crypto';
import { join } from 'node:path';
import { exportPKCS8 } from 'jose';
import { loadOrCreateSigningKey } from './issuer-key.js';
import { DEV_ISSUER_KEY_DIR } from './issuer.js';

/**
 * The CURSOR_KEYS value the local host and `npm run services` use when none is set: one key
 * derived (HKDF-SHA256) from the dev issuer's private key in the data folder. No file of its own,
 * and stable across restarts as long as the data folder is kept, so cursors survive a restart as
 * they would in Azure; a new data folder means new keys, as it means new tokens.
 */
export async function devCursorKeys(dataDir: string): Promise<string> {
  const key = await loadOrCreateSigningKey(join(dataDir, DEV_ISSUER_KEY_DIR));
  const material = await exportPKCS8(key.privateKey);
  return Buffer.from(hkdfSync('sha256', material, 'caseload local host', 'cursor MAC key', 32)).toString('base64');
}
