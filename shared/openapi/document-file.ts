/** Where the generated OpenAPI document lives, relative to the project root (Bicep imports it from here too). */
export const OPENAPI_DOCUMENT_PATH = 'openapi/caseload.openapi.json';
