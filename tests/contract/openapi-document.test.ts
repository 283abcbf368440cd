import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/http/routes.js';
import { OPENAPI_DOCUMENT_PATH } from '../../shared/openapi/document-file.js';

const root = join(import.meta.dirname, '..', '..');
const document = JSON.parse(readFileSync(join(root, OPENAPI_DOCUMENT_PATH), 'utf8'));

describe('the committed OpenAPI document', () => {
  it('is what the code generates now (run npm run openapi when this fails)', () => {
    // npm test builds first; the generator compares without writing and exits 1 when stale.
    const output = execFileSync(process.execPath, [join(root, 'dist/dev/openapi.js'), '--check'], { cwd: root, encoding: 'utf8' });
    expect(output).toMatch(/is up to date/);
  });

  it('is OpenAPI 3.1 and documents every route, once', () => {
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routes = Object.values(ROUTES).map((route) => `${route.method} /${route.path}`);
    expect(documented.sort()).toEqual(routes.sort());
  });

  it('secures every operation but the public ones, and documents problems as RFC 9457', () => {
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const isPublic = /^\/(v1\/(health|health\/ready|version)|openapi\.json|docs(\/\{file\})?|console(\/\{file\})?)$/.test(path);
        const expected = isPublic ? [] : path.startsWith('/v1/admin/') ? [{ adminBearer: [] }] : [{ bearer: [] }, { entraId: [] }];
        expect(operation.security, `${method} ${path}`).toEqual(expected);
        expect(operation.responses['500'], `${method} ${path}`).toEqual({ $ref: '#/components/responses/Problem500' });
        if (!isPublic) expect(operation.responses['401']).toEqual({ $ref: '#/components/responses/Problem401' });
      }
    }
    expect(document.components.responses.Problem400.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(document.components.securitySchemes.entraId.type).toBe('oauth2');
  });
});
