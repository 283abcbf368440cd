import { z } from 'zod';
import { DOCS_CSP, DOCS_PAGE } from '../shared/docs/docs-site.js';
import { registerEndpoint } from '../shared/http/endpoint.js';

/** The interactive API docs (Swagger UI from npm, no CDN) with "Try it" against this host. */
registerEndpoint({
  name: 'docs-page',
  route: 'docsPage',
  docs: {
    tag: 'Documentation',
    summary: 'Interactive API docs',
    success: { status: 200, description: 'The docs page', raw: { contentTypes: ['text/html'], schema: z.string() } },
  },
  authenticated: false,
  handler: async () => ({
    status: 200,
    raw: { contentType: 'text/html; charset=utf-8', body: DOCS_PAGE },
    headers: { 'Content-Security-Policy': DOCS_CSP },
  }),
});
