import { DEFAULT_NOTIFICATION_PREFERENCES, type NotificationPreferences } from '../schemas/notification.js';
import type { User } from '../schemas/user.js';
import type { StoredUser, UserDocument } from './user-document.js';

/** A user's notification switches, every kind named (on unless switched off). */
export const notificationPreferencesOf = (user: Pick<UserDocument, 'notificationPreferences'>): NotificationPreferences => ({
  ...DEFAULT_NOTIFICATION_PREFERENCES,
  ...user.notificationPreferences,
});

export const toUserView = ({ document, etag }: StoredUser): User => ({ ...document, notificationPreferences: notificationPreferencesOf(document), etag });
