import { z } from 'zod';
import { openApiDocumentText } from '../shared/docs/docs-site.js';
import { registerEndpoint } from '../shared/http/endpoint.js';

/** The API contract: the generated OpenAPI 3.1 document. Public, like the docs page. */
registerEndpoint({
  name: 'docs-openapi',
  route: 'openapiDocument',
  docs: {
    tag: 'Documentation',
    summary: 'The OpenAPI 3.1 document',
    success: { status: 200, description: 'This document', raw: { contentTypes: ['application/json'], schema: z.record(z.string(), z.unknown()) } },
  },
  authenticated: false,
  handler: async () => ({
    status: 200,
    raw: { contentType: 'application/json', body: openApiDocumentText() },
    headers: { 'Cache-Control': 'public, max-age=300' },
  }),
});
