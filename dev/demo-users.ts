import type { Role } from '../shared/auth/roles.js';

/**
 * Demo users seeded by the local host. Their ids stand in for Entra object ids, and the dev token
 * command (`npm run -s token -- <role> [userId]`) signs tokens for them.
 */
export interface DemoUser {
  id: string;
  name: string;
  role: Role;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'a0000000-0000-4000-8000-000000000001', name: 'Ada Admin', role: 'admin' },
  { id: 'b0000000-0000-4000-8000-000000000001', name: 'Morgan Manager', role: 'manager' },
  { id: 'b0000000-0000-4000-8000-000000000002', name: 'Mina Manager', role: 'manager' },
  { id: 'c0000000-0000-4000-8000-000000000001', name: 'Casey Caseworker', role: 'caseworker' },
  { id: 'c0000000-0000-4000-8000-000000000002', name: 'Chris Caseworker', role: 'caseworker' },
  { id: 'c0000000-0000-4000-8000-000000000003', name: 'Charlie Caseworker', role: 'caseworker' },
  { id: 'd0000000-0000-4000-8000-000000000001', name: 'Vic Viewer', role: 'viewer' },
];

/** The first demo user of a role: what `npm run token -- <role>` signs for when no id is given. */
export function defaultDemoUser(role: Role): DemoUser {
  const user = DEMO_USERS.find((candidate) => candidate.role === role);
  if (!user) throw new Error(`No demo user with role ${role}`);
  return user;
}
