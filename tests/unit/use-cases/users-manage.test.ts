import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredUser } from '../../../shared/domain/user-document.js';
import type { CreateUserInput } from '../../../shared/schemas/user.js';
import { createUser, deactivateUser, updateUser } from '../../../shared/use-cases/manage-users.js';
import { assertAssignable } from '../../../shared/use-cases/reference-checks.js';
import { CASEY, changedAfterRead, ELSEWHERE, HOME, notAssignable, refusal } from './fixtures.js';
import { useWorld } from './harness.js';

const world = useWorld();

function newUserInput(overrides: Partial<CreateUserInput> = {}): CreateUserInput {
  const id = randomUUID();
  return {
    id,
    name: 'Nia Newcomer',
    email: `nia.${id.slice(0, 8)}@justice.example`,
    roles: ['caseworker'],
    jurisdictions: ['IA'],
    locations: [HOME],
    active: true,
    ...overrides,
  };
}

async function storedUser(id: string): Promise<StoredUser | undefined> {
  return world.services.users.get(id);
}

describe('createUser', () => {
  it('adds the entry as given, stamped now, with a quoted ETag', async () => {
    const input = newUserInput();
    const created = await createUser(world.services, input);
    const now = world.clock.now().toISOString();
    expect(created.document).toEqual({ ...input, createdAt: now, updatedAt: now });
    expect(created.etag).toMatch(/^".+"$/);
    const read = await storedUser(input.id);
    expect(read!.document).toEqual(created.document);
    expect(read!.etag).toBe(created.etag);
  });

  it('refuses an id already in the directory (409) and leaves that entry alone', async () => {
    const input = newUserInput();
    const first = await createUser(world.services, input);
    const error = await refusal(createUser(world.services, { ...input, name: 'Impostor' }));
    expect(error.kind).toBe('conflict');
    expect(error.detail).toBe(`A user with id ${input.id} already exists.`);
    const read = await storedUser(input.id);
    expect(read!.document.name).toBe('Nia Newcomer');
    expect(read!.etag).toBe(first.etag);
  });

  it('refuses the id of a seeded user (409)', async () => {
    expect((await refusal(createUser(world.services, newUserInput({ id: CASEY })))).kind).toBe('conflict');
    expect((await storedUser(CASEY))!.document.name).toBe('Casey Caseworker');
  });

  it('refuses an unknown location, naming it by its index, and stores nothing', async () => {
    const input = newUserInput({ locations: [HOME, 'NOWHERE', 'ALSO-NOWHERE'] });
    const error = await refusal(createUser(world.services, input));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'locations.1', message: 'is not a known location (NOWHERE)' }]);
    expect(await storedUser(input.id)).toBeUndefined();
  });

  it('accepts no locations at all (every location of the jurisdictions)', async () => {
    const input = newUserInput({ locations: [], roles: ['manager'], jurisdictions: ['IA', 'SSCS'] });
    expect((await createUser(world.services, input)).document.locations).toEqual([]);
  });
});

describe('updateUser', () => {
  it('answers 404 for an unknown user, whatever the If-Match', async () => {
    for (const ifMatch of [null, '"x"']) {
      const error = await refusal(updateUser(world.services, 'no-such-user', ifMatch, { name: 'Nobody' }));
      expect(error.kind).toBe('notFound');
      expect(error.detail).toBe('No user no-such-user exists.');
    }
  });

  it('requires If-Match (428) and changes nothing without it', async () => {
    const created = await createUser(world.services, newUserInput());
    expect((await refusal(updateUser(world.services, created.document.id, null, { name: 'Changed' }))).kind).toBe('preconditionRequired');
    expect((await storedUser(created.document.id))!.etag).toBe(created.etag);
  });

  it('refuses a stale If-Match (412) and names the current ETag', async () => {
    const created = await createUser(world.services, newUserInput());
    const changed = await updateUser(world.services, created.document.id, created.etag, { name: 'First change' });
    const error = await refusal(updateUser(world.services, created.document.id, created.etag, { name: 'Second change' }));
    expect(error.kind).toBe('preconditionFailed');
    expect(error.options.currentEtag).toBe(changed.etag);
    expect((await storedUser(created.document.id))!.document.name).toBe('First change');
  });

  it('applies the given fields only, stamps updatedAt and yields a new ETag', async () => {
    const input = newUserInput();
    const created = await createUser(world.services, input);
    world.clock.advance(60_000);
    const updated = await updateUser(world.services, created.document.id, created.etag, {
      name: 'Nia Moved',
      locations: [HOME, ELSEWHERE],
      jurisdictions: ['IA', 'SSCS'],
      email: undefined,
    });
    expect(updated.etag).not.toBe(created.etag);
    expect(updated.document).toEqual({
      ...input,
      name: 'Nia Moved',
      locations: [HOME, ELSEWHERE],
      jurisdictions: ['IA', 'SSCS'],
      createdAt: created.document.createdAt,
      updatedAt: world.clock.now().toISOString(),
    });
    expect((await storedUser(created.document.id))!.document).toEqual(updated.document);
  });

  it('refuses an unknown location by its index and changes nothing', async () => {
    const created = await createUser(world.services, newUserInput());
    const error = await refusal(updateUser(world.services, created.document.id, created.etag, { locations: [ELSEWHERE, HOME, 'NOWHERE'] }));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'locations.2', message: 'is not a known location (NOWHERE)' }]);
    const read = await storedUser(created.document.id);
    expect(read!.document.locations).toEqual([HOME]);
    expect(read!.etag).toBe(created.etag);
  });

  it('checks If-Match before the locations: a stale request with a bad location is a 412', async () => {
    const created = await createUser(world.services, newUserInput());
    await updateUser(world.services, created.document.id, created.etag, { name: 'Moved on' });
    expect((await refusal(updateUser(world.services, created.document.id, created.etag, { locations: ['NOWHERE'] }))).kind).toBe('preconditionFailed');
  });

  it('never overwrites a change made between its read and its write (412)', async () => {
    const created = await createUser(world.services, newUserInput());
    const users = changedAfterRead(world.services.users, 1, (document) => ({ ...document, name: 'Changed meanwhile' }));
    const error = await refusal(updateUser({ ...world.services, users }, created.document.id, created.etag, { email: 'nia.new@justice.example' }));
    expect(error.kind).toBe('preconditionFailed');
    const read = await storedUser(created.document.id);
    expect(read!.document).toMatchObject({ name: 'Changed meanwhile', email: created.document.email });
    // Like every 412, it names the version now stored.
    expect(error.options.currentEtag).toBe(read!.etag);
  });

  it('can deactivate through a change of `active`', async () => {
    const created = await createUser(world.services, newUserInput());
    const updated = await updateUser(world.services, created.document.id, created.etag, { active: false });
    expect(updated.document.active).toBe(false);
  });
});

describe('deactivateUser', () => {
  it('answers 404 for an unknown user', async () => {
    const error = await refusal(deactivateUser(world.services, 'no-such-user', null));
    expect(error.kind).toBe('notFound');
    expect(error.detail).toBe('No user no-such-user exists.');
  });

  it('deactivates without If-Match, stamps updatedAt, and the user can no longer be given work', async () => {
    const created = await createUser(world.services, newUserInput());
    await expect(assertAssignable(world.services, created.document.id, { jurisdiction: 'IA', locationId: HOME })).resolves.toBeUndefined();
    world.clock.advance(60_000);
    const deactivated = await deactivateUser(world.services, created.document.id, null);
    expect(deactivated.document).toEqual({ ...created.document, active: false, updatedAt: world.clock.now().toISOString() });
    expect(deactivated.etag).not.toBe(created.etag);
    expect((await storedUser(created.document.id))!.document.active).toBe(false);
    const error = await refusal(assertAssignable(world.services, created.document.id, { jurisdiction: 'IA', locationId: HOME }));
    expect(error.options.errors).toEqual([{ in: 'body', field: 'assignee', message: notAssignable('IA', HOME) }]);
  });

  it('is idempotent: deactivating again writes nothing and returns the entry as it is', async () => {
    const created = await createUser(world.services, newUserInput());
    const first = await deactivateUser(world.services, created.document.id, null);
    world.clock.advance(60_000);
    const second = await deactivateUser(world.services, created.document.id, null);
    expect(second.etag).toBe(first.etag);
    expect(second.document).toEqual(first.document);
    const again = await deactivateUser(world.services, created.document.id, first.etag);
    expect(again.etag).toBe(first.etag);
    expect((await storedUser(created.document.id))!.cosmosEtag).toBe(first.cosmosEtag);
  });

  it('accepts the current If-Match, or *', async () => {
    const one = await createUser(world.services, newUserInput());
    expect((await deactivateUser(world.services, one.document.id, one.etag)).document.active).toBe(false);
    const two = await createUser(world.services, newUserInput());
    expect((await deactivateUser(world.services, two.document.id, '*')).document.active).toBe(false);
  });

  it('refuses a stale If-Match (412) with the current ETag, and stays active', async () => {
    const created = await createUser(world.services, newUserInput());
    const renamed = await updateUser(world.services, created.document.id, created.etag, { name: 'Renamed' });
    const error = await refusal(deactivateUser(world.services, created.document.id, created.etag));
    expect(error.kind).toBe('preconditionFailed');
    expect(error.options.currentEtag).toBe(renamed.etag);
    expect((await storedUser(created.document.id))!.document.active).toBe(true);
  });
});
