import type { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';

/**
 * The one place @azure/keyvault-secrets is imported, and only ever dynamically (secret-source.ts),
 * so the deployment package keeps the SDK in a module of its own (dev/package/layout.ts
 * DEFERRED_MODULES), loaded when the first secret is read.
 */
const clients = new Map<string, SecretClient>();

export async function readKeyVaultSecret(vaultUri: string, name: string, credential: TokenCredential): Promise<string> {
  let client = clients.get(vaultUri);
  if (!client) {
    client = new SecretClient(vaultUri, credential);
    clients.set(vaultUri, client);
  }
  // No version: the current one, so a rotation (a new version) is read on the next call.
  const secret = await client.getSecret(name);
  if (!secret.value) throw new Error(`Key Vault secret ${name} in ${vaultUri} has no value.`);
  return secret.value;
}
