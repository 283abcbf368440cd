import { checkReadiness } from '../shared/health/readiness.js';
import { AppError } from '../shared/errors/app-error.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { readinessSchema } from '../shared/schemas/responses.js';

/** Readiness: 200 when every dependency answers, 503 naming the failed checks otherwise. */
registerEndpoint({
  name: 'health-ready',
  route: 'healthReady',
  docs: {
    tag: 'Health',
    summary: 'Readiness',
    description:
      'Checks Cosmos DB, the token signing keys, Service Bus and (when notifications are on) the secret store, and reports each one\'s latency; 503 names the failed checks. One round of checks answers every probe for 5 seconds (`checkedAt`), so probes cannot overload the dependencies.',
    success: { status: 200, description: 'Every dependency answers', data: readinessSchema },
    problems: [503],
  },
  authenticated: false,
  handler: async ({ services }) => {
    const { checks, checkedAt } = await checkReadiness(services);
    const failed = Object.entries(checks).filter(([, result]) => result.status !== 'ok').map(([name]) => name);
    if (failed.length > 0) {
      throw new AppError('unavailable', `Not ready: ${failed.join(', ')} failed.`, {
        retryAfterSeconds: 10,
        extensions: { checks, checkedAt },
      });
    }
    return { status: 200, data: { status: 'ready', checks, checkedAt } };
  },
});
