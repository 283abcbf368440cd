/**
 * How every app setting name is classified for Azure, with the reason. The Function App's settings
 * in bicep/modules/functionapp.bicep must be exactly: every name in SETTING that is not local-only,
 * plus the Azure-only names below (tests/infra/app-settings.test.ts).
 */
import { SERVICE_BUS_CONNECTION } from '../../shared/config/entities.js';
import { SETTING } from '../../shared/config/settings.js';

/** Read by the code, but must NOT be set in Azure. */
export const LOCAL_ONLY_SETTINGS: Readonly<Record<string, string>> = {
  [SETTING.cosmosKey]:
    'A key for the local embedded database or an emulator. In Azure the app authenticates with its managed identity and the Cosmos account has local (key) auth disabled, so a key could not work and must not exist.',
  [SETTING.attachmentsAccountKey]:
    "Azurite's account key, for signing SAS URLs locally. In Azure the attachments account has shared-key access disabled: SAS URLs are signed with a user delegation key the managed identity obtains.",
};

/** Not read by the application code, but needed in Azure by the Functions host or its extensions. */
export const AZURE_ONLY_SETTINGS: Readonly<Record<string, string>> = {
  AzureWebJobsStorage__accountName:
    'Functions host: identity-based host storage (no connection string); names the storage account for blobs and tables.',
  AzureWebJobsStorage__credential: "Functions host: 'managedidentity' makes the host storage connection use a managed identity.",
  AzureWebJobsStorage__clientId: 'Functions host: which user-assigned identity the host storage connection uses.',
  [`${SERVICE_BUS_CONNECTION}__credential`]:
    "Service Bus extension (the trigger bindings): 'managedidentity' for the identity-based connection the code also reads __fullyQualifiedNamespace of.",
  [`${SERVICE_BUS_CONNECTION}__clientId`]: 'Service Bus extension: which user-assigned identity the trigger bindings use.',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
    'Functions host: send telemetry with Entra ID (ClientId=<identity>;Authorization=AAD) rather than the instrumentation key alone.',
};
