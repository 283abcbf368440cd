import type { Principal } from '../auth/roles.js';
import type { ListTasksQuery } from '../schemas/task-query.js';
import type { TaskFilter } from './task-filter.js';

type Filters = Omit<ListTasksQuery, 'sort' | 'order' | 'limit' | 'cursor'>;

/**
 * Turns the list query's filters into the store's filter: resolves `assignee=me` and applies a
 * saved view. A view's status default (open tasks) applies only when no status is asked for.
 */
export function listFilter({ view, ...filters }: Filters, principal: Principal): TaskFilter {
  const assignee = filters.assignee === 'me' ? principal.userId : filters.assignee;
  switch (view) {
    case 'my-work':
      return { ...filters, assignee: principal.userId, status: filters.status ?? ['pending', 'in_progress'] };
    case 'available':
      return { ...filters, assignee: 'unassigned', status: filters.status ?? ['pending'] };
    default:
      return { ...filters, assignee };
  }
}
