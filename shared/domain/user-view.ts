import type { User } from '../schemas/user.js';
import type { StoredUser } from './user-document.js';

export const toUserView = ({ document, etag }: StoredUser): User => ({ ...document, etag });
