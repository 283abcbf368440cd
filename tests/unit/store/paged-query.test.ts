import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/app-error.js';
import { visibilityScope } from '../../../shared/domain/permissions.js';
import { cursorOwner } from '../../../shared/store/cursor.js';
import { buildTaskListQuery } from '../../../shared/store/task-query-builder.js';
import { principalFor } from '../use-cases/fixtures.js';
import { startWorld, type UseCaseWorld } from '../use-cases/harness.js';

let world: UseCaseWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => world?.close());

describe('queryPage over the embedded database', () => {
  const manager = principalFor('manager');
  const page = (cursor?: string) => world.services.tasks.list({}, visibilityScope(manager), { sort: 'dueDate', order: 'asc', limit: 5, cursor, caller: manager });

  it('pages with signed cursors that only their caller can use', async () => {
    const first = await page();
    expect(first.tasks).toHaveLength(5);
    const second = await page(first.nextCursor!);
    expect(second.tasks.map((t) => t.document.id)).not.toContain(first.tasks[0]!.document.id);
    const caseworker = principalFor('caseworker');
    await expect(
      world.services.tasks.list({}, visibilityScope(caseworker), { sort: 'dueDate', order: 'asc', limit: 5, cursor: first.nextCursor!, caller: caseworker }),
    ).rejects.toMatchObject({ kind: 'validation', options: { errors: [{ field: 'cursor' }] } });
  });

  it('a genuine cursor whose token the database refuses (Cosmos 400) is a 400 naming cursor, not a 500', async () => {
    const spec = buildTaskListQuery({}, visibilityScope(manager), 'dueDate', 'asc');
    // Signed with the real key, so it passes the MAC; the token inside is one Cosmos cannot resume.
    const stale = world.services.cursors.encode(spec, cursorOwner(manager), '{"not":"a continuation"}');
    const error = await page(stale).then(
      () => expect.unreachable('accepted'),
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).options.errors).toEqual([{ in: 'query', field: 'cursor', message: expect.stringMatching(/can no longer be resumed/) }]);
  });
});
