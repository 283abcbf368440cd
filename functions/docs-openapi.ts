import { z } from 'zod';
import { servedOpenApiDocument } from '../shared/docs/served-document.js';
import { registerEndpoint } from '../shared/http/endpoint.js';

/** The API contract: the generated OpenAPI 3.1 document, with this deployment's sign-in. Public, like the docs page. */
registerEndpoint({
  name: 'docs-openapi',
  route: 'openapiDocument',
  docs: {
    tag: 'Documentation',
    summary: 'The OpenAPI 3.1 document',
    success: { status: 200, description: 'This document', raw: { contentTypes: ['application/json'], schema: z.record(z.string(), z.unknown()) } },
  },
  authenticated: false,
  handler: async ({ services }) => ({
    status: 200,
    // The committed document with this deployment's sign-in endpoints and scope.
    raw: { contentType: 'application/json', body: servedOpenApiDocument(services.settings) },
    headers: { 'Cache-Control': 'public, max-age=300' },
  }),
});
