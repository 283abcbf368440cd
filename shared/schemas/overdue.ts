import { z } from 'zod';

/** The `overdue-tasks` queue message: a task the scan found past due, with the due date it saw. */
export const overdueCandidateSchema = z.object({ taskId: z.uuid(), dueDate: z.string() });
export type OverdueCandidate = z.infer<typeof overdueCandidateSchema>;
