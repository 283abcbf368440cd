import type { Container, Database, SqlParameter } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import type { StoredUser, UserDocument } from '../domain/user-document.js';
import type { ListUsersQuery } from '../schemas/user.js';
import type { Jurisdiction } from '../schemas/task.js';
import { splitSystemProperties, type SystemProperties } from './cosmos-document.js';
import { isConflict, withCosmosErrors } from './cosmos-errors.js';
import type { CursorCodec } from './cursor.js';
import { queryPage, type PageRequest } from './paged-query.js';
import { conflict } from '../errors/app-error.js';

function toStored(resource: UserDocument & SystemProperties): StoredUser {
  const { document, cosmosEtag } = splitSystemProperties<UserDocument>(resource);
  // Users have no business version field; the Cosmos ETag (quoted for HTTP) is their version.
  return { document, cosmosEtag, etag: cosmosEtag.startsWith('"') ? cosmosEtag : `"${cosmosEtag}"` };
}

/** The work-allocation directory. One point read per request resolves the caller's scope. */
export class UserRepository {
  private readonly container: Container;

  constructor(
    database: Database,
    private readonly cursors: CursorCodec,
  ) {
    this.container = database.container(CONTAINERS.users.name);
  }

  async get(id: string): Promise<StoredUser | undefined> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container.item(id, id).read<UserDocument & SystemProperties>();
      return resource ? toStored(resource) : undefined;
    });
  }

  async create(user: UserDocument): Promise<StoredUser> {
    return withCosmosErrors(async () => {
      try {
        const { resource } = await this.container.items.create(user);
        return toStored(resource as UserDocument & SystemProperties);
      } catch (error) {
        if (isConflict(error)) throw conflict(`A user with id ${user.id} already exists.`);
        throw error;
      }
    });
  }

  async replace(user: UserDocument, expected: StoredUser): Promise<StoredUser> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container
        .item(user.id, user.id)
        .replace(user, { accessCondition: { type: 'IfMatch', condition: expected.cosmosEtag } });
      return toStored(resource as UserDocument & SystemProperties);
    });
  }

  /** Seeding and imports: create or overwrite. */
  async upsert(user: UserDocument): Promise<void> {
    await withCosmosErrors(() => this.container.items.upsert(user));
  }

  /**
   * Users filtered by role, jurisdiction and active flag, limited to those sharing at least one
   * of `withinJurisdictions` (a manager sees the people of their own jurisdictions), by name.
   */
  async list(
    filter: Pick<ListUsersQuery, 'role' | 'jurisdiction' | 'active'>,
    withinJurisdictions: readonly Jurisdiction[] | 'all',
    page: PageRequest,
  ): Promise<{ users: StoredUser[]; nextCursor: string | null }> {
    const clauses: string[] = [];
    const parameters: SqlParameter[] = [];
    if (filter.role) {
      clauses.push('ARRAY_CONTAINS(c.roles, @role)');
      parameters.push({ name: '@role', value: filter.role });
    }
    if (filter.jurisdiction) {
      clauses.push('ARRAY_CONTAINS(c.jurisdictions, @jurisdiction)');
      parameters.push({ name: '@jurisdiction', value: filter.jurisdiction });
    }
    if (filter.active !== undefined) clauses.push(`c.active = ${filter.active ? 'true' : 'false'}`);
    if (withinJurisdictions !== 'all') {
      const names = withinJurisdictions.map((_, index) => `@scope${index}`);
      withinJurisdictions.forEach((value, index) => parameters.push({ name: names[index]!, value }));
      clauses.push(names.length ? `EXISTS(SELECT VALUE j FROM j IN c.jurisdictions WHERE j IN (${names.join(', ')}))` : 'false');
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const spec = { query: `SELECT * FROM c ${where} ORDER BY c.name ASC, c.id ASC`, parameters };
    const { items, nextCursor } = await queryPage<UserDocument & SystemProperties>(this.container, this.cursors, spec, page);
    return { users: items.map(toStored), nextCursor };
  }
}
