import { describe, expect, it } from 'vitest';
import type { UserDocument } from '../../../shared/domain/user-document.js';
import { assertAssignable, assertKnownLocation, assertMatchesCase } from '../../../shared/use-cases/reference-checks.js';
import { DEMO_LOCATIONS } from '../../../dev/demo-users.js';
import { CASEY, CHARLIE, directoryEntry, ELSEWHERE, HOME, notAssignable, refusal, VIEWER } from './fixtures.js';
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

  it("refuses another jurisdiction, naming body.jurisdiction and the case, but not the case's jurisdiction", async () => {
    const error = await refusal(assertMatchesCase(world.services, IMPORTED_CASE, 'IA'));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'jurisdiction', message: `is not the jurisdiction of case ${IMPORTED_CASE}` }]);
    expect(error.detail).toBe(`jurisdiction: is not the jurisdiction of case ${IMPORTED_CASE}`);
    // The case may lie outside the caller's scope: where it is stays unsaid, whatever was asked for.
    const other = await refusal(assertMatchesCase(world.services, IMPORTED_CASE, 'CIVIL'));
    expect(other.options.errors).toEqual(error.options.errors);
    expect(JSON.stringify([error.detail, other.detail])).not.toContain('EMPLOYMENT');
  });

  it('names the field it is told to', async () => {
    const error = await refusal(assertMatchesCase(world.services, IMPORTED_CASE, 'SSCS', { in: 'body', field: 'task.jurisdiction' }));
    expect(error.options.errors).toEqual([{ in: 'body', field: 'task.jurisdiction', message: `is not the jurisdiction of case ${IMPORTED_CASE}` }]);
  });

  it("follows a re-imported case's jurisdiction", async () => {
    const caseId = '9000000000000002';
    const record = { caseId, locationId: HOME, caseName: 'A v B', caseType: 'Asylum' };
    await world.services.reference.upsertCase({ ...record, jurisdiction: 'IA' }, '2029-12-31T00:00:00.000Z');
    await expect(assertMatchesCase(world.services, caseId, 'IA')).resolves.toBeUndefined();
    await world.services.reference.upsertCase({ ...record, jurisdiction: 'SSCS' }, '2030-01-01T00:00:00.000Z');
    expect((await refusal(assertMatchesCase(world.services, caseId, 'IA'))).options.errors![0]!.message).toBe(`is not the jurisdiction of case ${caseId}`);
    await expect(assertMatchesCase(world.services, caseId, 'SSCS')).resolves.toBeUndefined();
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
    ['an unknown user', 'ghost-user', iaAtHome],
    ['a deactivated user', DEACTIVATED, iaAtHome],
    ['a viewer', VIEWER, iaAtHome],
    ['an admin', ADMIN, iaAtHome],
    ['a user of other jurisdictions', FAMILY_CASEWORKER, iaAtHome],
    ['a manager of other jurisdictions', NORTH_MANAGER, { jurisdiction: 'CIVIL', locationId: HOME }],
    ['a caseworker elsewhere', CHARLIE, iaElsewhere],
    ['a manager elsewhere', TWO_COURTS_MANAGER, { jurisdiction: 'IA', locationId: '698118' }],
  ] as const)('refuses %s, naming body.assignee and only the task', async (_, userId, task) => {
    const error = await refusal(assertAssignable(world.services, userId, task));
    const message = notAssignable(task.jurisdiction, task.locationId);
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'assignee', message }]);
    expect(error.detail).toBe(`assignee: ${message}`);
    expect(error.detail).not.toContain(userId);
  });

  it('gives one answer whatever is wrong with the user, one reason or several: nothing tells them apart', async () => {
    const answers = await Promise.all(
      [
        'ghost-user', // unknown
        DEACTIVATED, // deactivated
        DEACTIVATED_VIEWER, // deactivated, a viewer, and of another jurisdiction
        VIEWER, // without the role
        ADMIN, // without the role
        FAMILY_CASEWORKER, // of another jurisdiction
        CHARLIE, // at another location
      ].map(async (userId) => {
        const error = await refusal(assertAssignable(world.services, userId, iaElsewhere));
        return { kind: error.kind, detail: error.detail, errors: error.options.errors };
      }),
    );
    const message = notAssignable('IA', ELSEWHERE);
    for (const answer of answers) expect(answer).toEqual({ kind: 'validation', detail: `assignee: ${message}`, errors: [{ in: 'body', field: 'assignee', message }] });
    // Wrong jurisdiction and wrong location together: the same words, for the task asked about.
    const both = await refusal(assertAssignable(world.services, CHARLIE, { jurisdiction: 'CIVIL', locationId: ELSEWHERE }));
    expect(both.options.errors).toEqual([{ in: 'body', field: 'assignee', message: notAssignable('CIVIL', ELSEWHERE) }]);
  });

  it('names the field it is told to', async () => {
    const error = await refusal(assertAssignable(world.services, 'ghost-user', iaAtHome, { in: 'body', field: 'userId' }));
    expect(error.options.errors).toEqual([{ in: 'body', field: 'userId', message: notAssignable('IA', HOME) }]);
  });
});
