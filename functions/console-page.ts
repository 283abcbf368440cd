import { z } from 'zod';
import { consoleCsp, consolePage, consoleSignIn } from '../shared/console/console-site.js';
import { registerEndpoint } from '../shared/http/endpoint.js';

/** The operations console: a page with no data of its own; an admin signs in and it reads /v1/admin/overview. */
registerEndpoint({
  name: 'console-page',
  route: 'consolePage',
  docs: {
    tag: 'Documentation',
    summary: 'Operations console',
    description: 'A page for operators: Service Bus entities with their dead letters (list and replay), the outbox and overdue backlogs, audit lag, notifications and recent failures, refreshed every 5 seconds. Signs in with OAuth 2.0 authorization code and PKCE; its data comes from admin-only endpoints.',
    success: { status: 200, description: 'The console page', raw: { contentTypes: ['text/html'], schema: z.string() } },
  },
  authenticated: false,
  // The issuer sends the browser back here with the outcome of the sign-in, which the page's script reads.
  query: z
    .strictObject({
      code: z.string().max(4096),
      state: z.string().max(512),
      error: z.string().max(128),
      error_description: z.string().max(2048),
      error_uri: z.string().max(2048),
      session_state: z.string().max(512),
      iss: z.string().max(512),
    })
    .partial(),
  handler: async ({ services }) => {
    const signIn = consoleSignIn(services.settings);
    return {
      status: 200,
      raw: { contentType: 'text/html; charset=utf-8', body: consolePage(signIn) },
      headers: { 'Content-Security-Policy': consoleCsp(signIn) },
    };
  },
});
