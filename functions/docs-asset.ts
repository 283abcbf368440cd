import { z } from 'zod';
import { DOCS_ASSET_NAMES, DOCS_CSP, docsAsset } from '../shared/docs/docs-site.js';
import { registerEndpoint } from '../shared/http/endpoint.js';

/** The scripts and styles of the docs page, from the swagger-ui-dist package (an allow-list). */
registerEndpoint({
  name: 'docs-asset',
  route: 'docsAsset',
  docs: {
    tag: 'Documentation',
    summary: 'A file of the docs page',
    success: { status: 200, description: 'The file', raw: { contentTypes: ['text/css', 'text/javascript', 'image/png'], schema: z.string() } },
  },
  authenticated: false,
  params: z.strictObject({ file: z.enum(DOCS_ASSET_NAMES) }),
  handler: async ({ params }) => {
    const asset = docsAsset(params.file)!;
    return {
      status: 200,
      raw: asset,
      headers: { 'Cache-Control': 'public, max-age=86400', 'Content-Security-Policy': DOCS_CSP },
    };
  },
});
