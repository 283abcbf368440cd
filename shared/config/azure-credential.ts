import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';

/**
 * The function app's managed identity, as a TokenCredential that loads @azure/identity only when
 * the first token is needed. Locally (keys for the embedded database, the local broker) no token
 * is ever requested, and in Azure the ~200 ms it takes to load stays off the worker's start-up:
 * the deployment package keeps the SDK in a module of its own (docs/adr/0005-deployment-package.md).
 */
export function managedIdentityCredential(managedIdentityClientId: string | undefined): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  const load = async (): Promise<TokenCredential> => {
    const { createDefaultAzureCredential } = await import('./default-azure-credential.js');
    return createDefaultAzureCredential(managedIdentityClientId);
  };
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      credential ??= load();
      return (await credential).getToken(scopes, options);
    },
  };
}
