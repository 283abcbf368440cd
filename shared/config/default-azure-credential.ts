import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';

/**
 * The one place @azure/identity is imported, and only ever dynamically (azure-credential.ts), so the
 * deployment package keeps the SDK and MSAL in a module of their own, loaded when the first token
 * is needed (dev/package/layout.ts DEFERRED_MODULES).
 */
export function createDefaultAzureCredential(managedIdentityClientId: string | undefined): TokenCredential {
  return new DefaultAzureCredential({ managedIdentityClientId });
}
