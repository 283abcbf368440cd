import type { TokenCredential } from '@azure/identity';

/**
 * A secret the app cannot replace with its managed identity (a third party's API key). `read()`
 * fetches the current value every time it is called; callers cache it and read again when the
 * third party refuses it, so a rotated secret is picked up without a redeploy.
 */
export interface SecretSource {
  /** Where it comes from, for messages (never the value). */
  readonly description: string;
  read(): Promise<string>;
}

/**
 * A Key Vault secret, read with the function app's managed identity (Key Vault Secrets User on
 * the vault). @azure/keyvault-secrets loads on the first read (dev/package/layout.ts DEFERRED_MODULES).
 */
export function keyVaultSecret(vaultUri: string, name: string, credential: TokenCredential): SecretSource {
  return {
    description: `Key Vault secret ${name} in ${vaultUri}`,
    async read() {
      const { readKeyVaultSecret } = await import('./key-vault-secrets.js');
      return readKeyVaultSecret(vaultUri, name, credential);
    },
  };
}

/** No source configured: every read fails, naming what to set. */
export function missingSecret(description: string): SecretSource {
  return {
    description,
    async read() {
      throw new Error(`${description} is not configured.`);
    },
  };
}
