import type { Container, Database } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import type { CaseRecord, Location } from '../schemas/reference.js';
import { splitSystemProperties, type SystemProperties } from './cosmos-document.js';
import { withCosmosErrors } from './cosmos-errors.js';

/** A case as stored: its id is the case reference, so a case is a point read. */
export type CaseDocument = CaseRecord & { id: string; importedAt: string };

/** Courts/venues and cases: the reference data tasks point at. */
export class ReferenceRepository {
  private readonly locations: Container;
  private readonly cases: Container;

  constructor(database: Database) {
    this.locations = database.container(CONTAINERS.locations.name);
    this.cases = database.container(CONTAINERS.cases.name);
  }

  async getLocation(id: string): Promise<Location | undefined> {
    return withCosmosErrors(async () => {
      const { resource } = await this.locations.item(id, id).read<Location & SystemProperties>();
      return resource ? pickLocation(resource) : undefined;
    });
  }

  /** Every location (a few hundred courts at most: one page). */
  async listLocations(): Promise<Location[]> {
    return withCosmosErrors(async () => {
      const { resources } = await this.locations.items.query<Location>('SELECT * FROM c ORDER BY c.id ASC').fetchAll();
      return resources.map(pickLocation);
    });
  }

  async upsertLocation(location: Location): Promise<void> {
    await withCosmosErrors(() => this.locations.items.upsert(location));
  }

  async getCase(caseId: string): Promise<CaseDocument | undefined> {
    return withCosmosErrors(async () => {
      const { resource } = await this.cases.item(caseId, caseId).read<CaseDocument & SystemProperties>();
      return resource ? splitSystemProperties<CaseDocument>(resource).document : undefined;
    });
  }

  async upsertCase(record: CaseRecord, importedAt: string): Promise<void> {
    const document: CaseDocument = { id: record.caseId, ...record, importedAt };
    await withCosmosErrors(() => this.cases.items.upsert(document));
  }
}

const pickLocation = ({ id, name, region }: Location): Location => ({ id, name, region });
