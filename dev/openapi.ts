/**
 * `npm run openapi`: writes the OpenAPI document generated from the function registrations to
 * openapi/caseload.openapi.json (what API Management imports and /api/openapi.json serves).
 * `--check` writes nothing and exits 1 when the committed file is stale.
 *
 * The registration capture goes first, so loading the functions registers them quietly instead of
 * dropping @azure/functions into test mode; everything that imports @azure/functions is loaded
 * dynamically after it.
 */
import './functions-host/register.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPENAPI_DOCUMENT_PATH } from '../shared/openapi/document-file.js';
import { expandEntryPointGlob, loadEntryPoints } from './functions-host/entry-points.js';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const COMPILED_FUNCTIONS = 'dist/functions/*.js';

async function main(): Promise<void> {
  // Loaded only now: Node runs CommonJS dependencies (@azure/functions) of static imports before
  // this module's own code, which would be before the capture is in place.
  const { REGISTERED_ENDPOINTS } = await import('../shared/http/endpoint.js');
  const { buildOpenApiDocument } = await import('../shared/openapi/document.js');
  // The function modules as tsc compiled them, so they share this process's endpoint registry (the
  // deployment package's bundle has a registry of its own).
  await loadEntryPoints(expandEntryPointGlob(projectDir, COMPILED_FUNCTIONS), `"${COMPILED_FUNCTIONS}"`);
  const text = `${JSON.stringify(buildOpenApiDocument(REGISTERED_ENDPOINTS), null, 2)}\n`;
  const target = join(projectDir, OPENAPI_DOCUMENT_PATH);
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(target, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (committed !== text) {
      console.error(`${OPENAPI_DOCUMENT_PATH} is stale: run npm run openapi and commit the result.`);
      process.exit(1);
    }
    console.log(`${OPENAPI_DOCUMENT_PATH} is up to date (${REGISTERED_ENDPOINTS.length} operations).`);
    return;
  }
  writeFileSync(target, text);
  console.log(`Wrote ${OPENAPI_DOCUMENT_PATH} (${REGISTERED_ENDPOINTS.length} operations).`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
