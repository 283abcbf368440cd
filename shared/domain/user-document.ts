import type { Role } from '../auth/roles.js';
import type { NotificationPreferencesPatch } from '../schemas/notification.js';
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
  /** Switches the user or an admin turned off (or on); a kind not named here is on. */
  notificationPreferences?: NotificationPreferencesPatch;
  createdAt: string;
  updatedAt: string;
}

export interface StoredUser {
  document: UserDocument;
  etag: string;
  cosmosEtag: string;
}
