import { z } from 'zod';
import { DOCS_ASSET_NAMES, docsAsset, docsCsp } from '../shared/docs/docs-site.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { signInAnswerQuerySchema } from '../shared/schemas/sign-in-answer.js';

/** The scripts, styles and sign-in redirect page of the docs, from the swagger-ui-dist package (an allow-list). */
registerEndpoint({
  name: 'docs-asset',
  route: 'docsAsset',
  docs: {
    tag: 'Documentation',
    summary: 'A file of the docs page',
    success: { status: 200, description: 'The file', raw: { contentTypes: ['text/css', 'text/javascript', 'text/html', 'image/png'], schema: z.string() } },
  },
  authenticated: false,
  params: z.strictObject({ file: z.enum(DOCS_ASSET_NAMES) }),
  // The issuer redirects the sign-in to oauth2-redirect.html with its answer in the query; the
  // page's script reads it, the server ignores it (any file takes them, none needs them).
  query: signInAnswerQuerySchema,
  handler: async ({ params, services }) => {
    const { contentType, body, perDeployment } = docsAsset(params.file, services.settings)!;
    return {
      status: 200,
      raw: { contentType, body },
      // The start script names this deployment's sign-in: revalidated, so a changed setting shows at once.
      headers: { 'Cache-Control': perDeployment ? 'no-cache' : 'public, max-age=86400', 'Content-Security-Policy': docsCsp(services.settings) },
    };
  },
});
