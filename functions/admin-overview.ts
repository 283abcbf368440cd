import { CAPABILITY_ROLES } from '../shared/domain/permissions.js';
import { registerEndpoint } from '../shared/http/endpoint.js';
import { operationsOverviewSchema } from '../shared/schemas/operations-overview.js';
import { operationsOverview } from '../shared/use-cases/operations-overview.js';

/** The figures behind the operations console (shared/use-cases/operations-overview.ts), for operators. */
registerEndpoint({
  name: 'admin-overview',
  route: 'adminOverview',
  docs: {
    tag: 'Admin',
    summary: 'Operations overview',
    description:
      'Message counts of every Service Bus queue and subscription the app consumes (runtime properties), the outbox backlog and its oldest event, the overdue backlog by jurisdiction, audit lag over the newest records, the last 24 hours of notifications, and the newest dead letters. What the operations console (/api/console) shows.',
    success: { status: 200, description: 'The overview', data: operationsOverviewSchema },
  },
  authenticated: true,
  roles: CAPABILITY_ROLES.deadLetters,
  handler: async ({ services }) => ({ status: 200, data: await operationsOverview(services) }),
});
