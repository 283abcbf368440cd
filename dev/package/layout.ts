import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../shared/config/package-info.js';
import type { configureServices } from '../../shared/services.js';

/**
 * Where the deployment package is built, and what goes in it. One place for these paths: the
 * packager writes them, and the local host, the tests and the benchmarks read them, so all of them
 * run exactly the folder that `azd up` uploads (azure.yaml `services.api.project`).
 */

/** The repository root, found the same way from the sources (tests) and from dist/ (scripts). */
export const REPO_DIR = projectRoot(import.meta.url);

/** The deployment package: host.json, package.json, the bundle and its assets, nothing else. */
export const PACKAGE_DIR = join(REPO_DIR, 'dist', 'app');

/** esbuild's metafile of the last package build (which inputs went into which output), beside the package. */
export const PACKAGE_METAFILE = join(REPO_DIR, 'dist', 'app.meta.json');

/** The entry file named by the package's package.json `main`: turns source maps on, then loads the bundle. */
export const PACKAGE_ENTRY = 'index.js';

/** The bundle of every function. */
export const PACKAGE_BUNDLE = 'app.js';

/**
 * What the bundle exports, for a host that loads it in-process: the local host injects its
 * Service Bus stand-in through the composition root before the first invocation. The Functions
 * worker ignores exports.
 */
export interface BundleExports {
  configureServices: typeof configureServices;
}

/** Modules loaded on first use (the SDKs some processes never need) live here, beside the entry file. */
export const PACKAGE_DEFERRED_DIR = 'deferred';

/**
 * Source modules that the app only ever imports dynamically, each built into a self-contained
 * bundle of its own (deferred/<name>.js) that the main bundle imports when it first needs it. They
 * are the only way heavy SDKs enter the app, so a process that never sends a message, never asks
 * for a token or has telemetry off never loads them. (esbuild's own code splitting was tried: its
 * chunks give a dynamically imported CommonJS module only a default export, which broke the
 * Application Insights exporter's lazy imports of its own CommonJS files.)
 */
export const DEFERRED_MODULES = {
  'service-bus-messaging': 'shared/messaging/service-bus-messaging.ts',
  'default-azure-credential': 'shared/config/default-azure-credential.ts',
  'app-insights-sdk': 'shared/telemetry/app-insights-sdk.ts',
  // Only the notifications consumer needs these: Key Vault for the Notify API key, and Notify's client (axios, jsonwebtoken).
  'key-vault-secrets': 'shared/config/key-vault-secrets.ts',
  'notify-client': 'shared/notifications/notify-client.ts',
  // Only the attachment routes and the sweep need Blob Storage.
  'blob-attachment-storage': 'shared/storage/blob-attachment-storage.ts',
} as const;

/** The one module the bundle must not contain: the Functions worker supplies it at require time. */
export const WORKER_PROVIDED_MODULES = ['@azure/functions-core'] as const;

/** Every file in a package folder (absolute paths). */
export function packageFiles(dir: string = PACKAGE_DIR): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
