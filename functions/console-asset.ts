import { z } from 'zod';
import { CONSOLE_FILE_NAMES, consoleAsset, consoleCsp, consoleSignIn } from '../shared/console/console-site.js';
import { registerEndpoint } from '../shared/http/endpoint.js';

/** The console's script and styles (an allow-list): Pico CSS from npm, and the console's own bundle. */
registerEndpoint({
  name: 'console-asset',
  route: 'consoleAsset',
  docs: {
    tag: 'Documentation',
    summary: 'A file of the operations console',
    success: { status: 200, description: 'The file', raw: { contentTypes: ['text/css', 'text/javascript'], schema: z.string() } },
  },
  authenticated: false,
  params: z.strictObject({ file: z.enum(CONSOLE_FILE_NAMES) }),
  handler: async ({ services, params }) => ({
    status: 200,
    raw: consoleAsset(params.file),
    headers: { 'Cache-Control': 'public, max-age=300', 'Content-Security-Policy': consoleCsp(consoleSignIn(services.settings)) },
  }),
});
