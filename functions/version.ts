import { readPackageInfo } from '../shared/config/package-info.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { versionSchema } from '../shared/schemas/responses.js';

const packageInfo = readPackageInfo();

registerEndpoint({
  name: 'version',
  route: 'version',
  docs: {
    tag: 'Health',
    summary: 'Version',
    success: { status: 200, description: 'Build information', data: versionSchema },
  },
  authenticated: false,
  handler: async ({ services }) => ({
    status: 200,
    data: {
      name: packageInfo.name,
      version: packageInfo.version,
      // Set by the deployment (e.g. the git commit); absent locally.
      build: services.settings.appVersion ?? null,
      node: process.version,
    },
  }),
});
