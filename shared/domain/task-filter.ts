import type { ListTasksQuery, TaskStatsQuery } from '../schemas/task-query.js';

/** The filters a list or count of tasks may carry; `me` has already been resolved to a user id. */
export type TaskFilter = Partial<Omit<ListTasksQuery & TaskStatsQuery, 'sort' | 'order' | 'limit' | 'cursor'>> & {
  /** Open, unflagged tasks due before this instant: what the overdue scan looks for. */
  dueBeforeAndUnflagged?: string;
};
