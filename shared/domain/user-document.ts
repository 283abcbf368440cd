import type { Role } from '../auth/roles.js';
import type { Jurisdiction } from '../schemas/task.js';

/** A directory entry as stored in the `users` container. */
export interface UserDocument {
  id: string;
  name: string;
  email: string;
  roles: Role[];
  jurisdictions: Jurisdiction[];
  /** Empty: every location in the user's jurisdictions. */
  locations: string[];
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface StoredUser {
  document: UserDocument;
  etag: string;
  cosmosEtag: string;
}
