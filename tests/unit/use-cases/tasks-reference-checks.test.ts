import { describe, expect, it } from 'vitest';
import type { UserDocument } from '../../../shared/domain/user-document.js';
import { assertAssignable, assertKnownLocation, assertMatchesCase } from '../../../shared/use-cases/reference-checks.js';
import { DEMO_LOCATIONS } from '../../../dev/demo-users.js';
import { CASEY, CHARLIE, directoryEntry, ELSEWHERE, HOME, refusal, VIEWER } from './fixtures.js';
import { useWorld } from './harness.js';

const world = useWorld(async (started) => {
  for (const user of EXTRA_USERS) await started.services.users.upsert(user);
  await started.services.reference.upsertCase(
    { caseId: IMPORTED_CASE, jurisdiction: 'EMPLOYMENT', locationId: HOME, caseName: 'Claimant v Employer Ltd', caseType: 'ET_EnglandWales' },
    '2029-12-31T00:00:00.000Z',
  );
});

const IMPORTED_CASE = '9000000000000001';
const NORTH_MANAGER = 'b0000000-0000-4000-8000-000000000001';
const ADMIN = 'a0000000-0000-4000-8000-000000000001';
const FAMILY_CASEWORKER = 'c0000000-0000-4000-8002-000000000001';

const DEACTIVATED = 'ref-checks-deactivated';
const DEACTIVATED_VIEWER = 'ref-checks-deactivated-viewer';
const TWO_COURTS_MANAGER = 'ref-checks-two-courts-manager';
const CASEWORKER_AND_VIEWER = 'ref-checks-caseworker-and-viewer';
const EXTRA_USERS: UserDocument[] = [
  directoryEntry(DEACTIVATED, { active: false }),
  directoryEntry(DEACTIVATED_VIEWER, { active: false, roles: ['viewer'], jurisdictions: ['CIVIL'] }),
  directoryEntry(TWO_COURTS_MANAGER, { roles: ['manager'], jurisdictions: ['IA', 'SSCS'], locations: [HOME, ELSEWHERE] }),
  directoryEntry(CASEWORKER_AND_VIEWER, { roles: ['viewer', 'caseworker'] }),
];

describe('assertKnownLocation', () => {
  it('accepts every seeded location', async () => {
    for (const location of DEMO_LOCATIONS) await expect(assertKnownLocation(world.services, location.id)).resolves.toBeUndefined();
  });

  it('refuses an unknown location as a validation error on body.locationId', async () => {
    const error = await refusal(assertKnownLocation(world.services, 'NOWHERE-1'));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'locationId', message: 'is not a known location (NOWHERE-1)' }]);
    expect(error.detail).toBe('locationId: is not a known location (NOWHERE-1)');
  });

  it('names the field it is told to', async () => {
    const error = await refusal(assertKnownLocation(world.services, '000000', { in: 'query', field: 'location' }));
    expect(error.options.errors).toEqual([{ in: 'query', field: 'location', message: 'is not a known location (000000)' }]);
  });
});

describe('assertMatchesCase', () => {
  it("accepts the imported case's own jurisdiction", async () => {
    await expect(assertMatchesCase(world.services, IMPORTED_CASE, 'EMPLOYMENT')).resolves.toBeUndefined();
  });

  it('accepts any jurisdiction for a case not imported yet', async () => {
    for (const jurisdiction of ['IA', 'CIVIL']) await expect(assertMatchesCase(world.services, '9000000000000999', jurisdiction)).resolves.toBeUndefined();
  });

  it("refuses another jurisdiction, naming body.jurisdiction and the case's", async () => {
    const error = await refusal(assertMatchesCase(world.services, IMPORTED_CASE, 'IA'));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'jurisdiction', message: `must be EMPLOYMENT, the jurisdiction of case ${IMPORTED_CASE}` }]);
    expect(error.detail).toBe(`jurisdiction: must be EMPLOYMENT, the jurisdiction of case ${IMPORTED_CASE}`);
  });

  it('names the field it is told to', async () => {
    const error = await refusal(assertMatchesCase(world.services, IMPORTED_CASE, 'SSCS', { in: 'body', field: 'task.jurisdiction' }));
    expect(error.options.errors).toEqual([{ in: 'body', field: 'task.jurisdiction', message: `must be EMPLOYMENT, the jurisdiction of case ${IMPORTED_CASE}` }]);
  });

  it("follows a re-imported case's jurisdiction", async () => {
    const caseId = '9000000000000002';
    const record = { caseId, locationId: HOME, caseName: 'A v B', caseType: 'Asylum' };
    await world.services.reference.upsertCase({ ...record, jurisdiction: 'IA' }, '2029-12-31T00:00:00.000Z');
    await expect(assertMatchesCase(world.services, caseId, 'IA')).resolves.toBeUndefined();
    await world.services.reference.upsertCase({ ...record, jurisdiction: 'SSCS' }, '2030-01-01T00:00:00.000Z');
    expect((await refusal(assertMatchesCase(world.services, caseId, 'IA'))).options.errors![0]!.message).toBe(`must be SSCS, the jurisdiction of case ${caseId}`);
  });
});

describe('assertAssignable', () => {
  const iaAtHome = { jurisdiction: 'IA', locationId: HOME };
  const iaElsewhere = { jurisdiction: 'IA', locationId: ELSEWHERE };

  it('accepts active caseworkers and managers who cover the jurisdiction and the location', async () => {
    await expect(assertAssignable(world.services, CASEY, iaElsewhere)).resolves.toBeUndefined();
    await expect(assertAssignable(world.services, CHARLIE, iaAtHome)).resolves.toBeUndefined();
    await expect(assertAssignable(world.services, NORTH_MANAGER, { jurisdiction: 'EMPLOYMENT', locationId: ELSEWHERE })).resolves.toBeUndefined();
    await expect(assertAssignable(world.services, TWO_COURTS_MANAGER, { jurisdiction: 'SSCS', locationId: ELSEWHERE })).resolves.toBeUndefined();
    await expect(assertAssignable(world.services, FAMILY_CASEWORKER, { jurisdiction: 'FAMILY', locationId: '512401' })).resolves.toBeUndefined();
    // One of several roles is enough.
    await expect(assertAssignable(world.services, CASEWORKER_AND_VIEWER, iaAtHome)).resolves.toBeUndefined();
  });

  it.each([
    ['an unknown user', 'ghost-user', iaAtHome, 'ghost-user is not a known user'],
    ['a deactivated user', DEACTIVATED, iaAtHome, `${DEACTIVATED} is deactivated`],
    ['a viewer', VIEWER, iaAtHome, `${VIEWER} is not a caseworker or manager`],
    ['an admin', ADMIN, iaAtHome, `${ADMIN} is not a caseworker or manager`],
    ['a user of other jurisdictions', FAMILY_CASEWORKER, iaAtHome, `${FAMILY_CASEWORKER} does not work in IA`],
    ['a manager of other jurisdictions', NORTH_MANAGER, { jurisdiction: 'CIVIL', locationId: HOME }, `${NORTH_MANAGER} does not work in CIVIL`],
    ['a caseworker elsewhere', CHARLIE, iaElsewhere, `${CHARLIE} does not work at location ${ELSEWHERE}`],
    ['a manager elsewhere', TWO_COURTS_MANAGER, { jurisdiction: 'IA', locationId: '698118' }, `${TWO_COURTS_MANAGER} does not work at location 698118`],
  ] as const)('refuses %s, naming body.assignee', async (_, userId, task, message) => {
    const error = await refusal(assertAssignable(world.services, userId, task));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'assignee', message }]);
    expect(error.detail).toBe(`assignee: ${message}`);
  });

  it('reports the first reason only, in order: known, active, role, jurisdiction, location', async () => {
    // Deactivated, a viewer, and of another jurisdiction: deactivation is what is reported.
    const error = await refusal(assertAssignable(world.services, DEACTIVATED_VIEWER, iaElsewhere));
    expect(error.options.errors).toEqual([{ in: 'body', field: 'assignee', message: `${DEACTIVATED_VIEWER} is deactivated` }]);
    // Wrong jurisdiction and wrong location: the jurisdiction is what is reported.
    const both = await refusal(assertAssignable(world.services, CHARLIE, { jurisdiction: 'CIVIL', locationId: ELSEWHERE }));
    expect(both.options.errors![0]!.message).toBe(`${CHARLIE} does not work in CIVIL`);
  });

  it('names the field it is told to', async () => {
    const error = await refusal(assertAssignable(world.services, 'ghost-user', iaAtHome, { in: 'body', field: 'userId' }));
    expect(error.options.errors).toEqual([{ in: 'body', field: 'userId', message: 'ghost-user is not a known user' }]);
  });
});
