import type { Role } from '../shared/auth/roles.js';
import type { Jurisdiction } from '../shared/schemas/task.js';
import { JURISDICTIONS } from '../shared/schemas/task.js';

/**
 * Demo users seeded into the local users directory. Their ids stand in for Entra object ids, and
 * the dev token command (`npm run -s token -- <role> [userId]`) signs tokens for them.
 */
export interface DemoUser {
  id: string;
  name: string;
  role: Role;
  jurisdictions: readonly Jurisdiction[];
  /** Empty: every location in those jurisdictions. */
  locations: readonly string[];
}

const NORTH: readonly Jurisdiction[] = ['IA', 'SSCS', 'EMPLOYMENT'];
const SOUTH: readonly Jurisdiction[] = ['CIVIL', 'FAMILY', 'PRIVATELAW', 'PUBLICLAW'];

const FIRST_NAMES = ['Alex', 'Bea', 'Cal', 'Dee', 'Eli', 'Fay', 'Gus', 'Hal', 'Ivy', 'Jo', 'Kit', 'Lou'];

/** Three caseworkers for each jurisdiction without one of the named ones. */
const generatedCaseworkers: DemoUser[] = SOUTH.flatMap((jurisdiction, j) =>
  [1, 2, 3].map((n) => ({
    id: `c0000000-0000-4000-8${String(j + 1).padStart(3, '0')}-${String(n).padStart(12, '0')}`,
    name: `${FIRST_NAMES[j * 3 + n - 1]} ${jurisdiction.charAt(0)}${jurisdiction.slice(1).toLowerCase()}`,
    role: 'caseworker' as const,
    jurisdictions: [jurisdiction],
    locations: [],
  })),
);

export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'a0000000-0000-4000-8000-000000000001', name: 'Ada Admin', role: 'admin', jurisdictions: JURISDICTIONS, locations: [] },
  { id: 'b0000000-0000-4000-8000-000000000001', name: 'Morgan Manager', role: 'manager', jurisdictions: NORTH, locations: [] },
  { id: 'b0000000-0000-4000-8000-000000000002', name: 'Mina Manager', role: 'manager', jurisdictions: SOUTH, locations: [] },
  { id: 'c0000000-0000-4000-8000-000000000001', name: 'Casey Caseworker', role: 'caseworker', jurisdictions: NORTH, locations: [] },
  { id: 'c0000000-0000-4000-8000-000000000002', name: 'Chris Caseworker', role: 'caseworker', jurisdictions: NORTH, locations: [] },
  // Works at one court only: shows location scoping.
  { id: 'c0000000-0000-4000-8000-000000000003', name: 'Charlie Caseworker', role: 'caseworker', jurisdictions: NORTH, locations: ['765324'] },
  ...generatedCaseworkers,
  { id: 'd0000000-0000-4000-8000-000000000001', name: 'Vic Viewer', role: 'viewer', jurisdictions: JURISDICTIONS, locations: [] },
];

/** The first demo user of a role: what `npm run token -- <role>` signs for when no id is given. */
export function defaultDemoUser(role: Role): DemoUser {
  const user = DEMO_USERS.find((candidate) => candidate.role === role);
  if (!user) throw new Error(`No demo user with role ${role}`);
  return user;
}

/** Courts and venues of the demo data (ePIMS-style ids). */
export const DEMO_LOCATIONS = [
  { id: '765324', name: 'Taylor House Tribunal Hearing Centre', region: 'London' },
  { id: '231596', name: 'Birmingham Civil and Family Justice Centre', region: 'Midlands' },
  { id: '698118', name: 'Bradford Tribunal Hearing Centre', region: 'North East' },
  { id: '366796', name: 'Newcastle Civil and Family Courts', region: 'North East' },
  { id: '512401', name: 'Cardiff Civil and Family Justice Centre', region: 'Wales' },
] as const;
