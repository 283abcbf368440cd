import { z } from 'zod';
import { DOCS_PAGE, docsCsp } from '../shared/docs/docs-site.js';
import { registerEndpoint } from '../shared/http/endpoint.js';

/** The interactive API docs (Swagger UI from npm, no CDN) with sign-in and "Try it" against this host; also at /api/docs/. */
registerEndpoint({
  name: 'docs-page',
  route: 'docsPage',
  docs: {
    tag: 'Documentation',
    summary: 'Interactive API docs',
    success: { status: 200, description: 'The docs page', raw: { contentTypes: ['text/html'], schema: z.string() } },
  },
  authenticated: false,
  handler: async ({ services }) => ({
    status: 200,
    raw: { contentType: 'text/html; charset=utf-8', body: DOCS_PAGE },
    headers: { 'Content-Security-Policy': docsCsp(services.settings) },
  }),
});
