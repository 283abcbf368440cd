import type { InvocationContext } from '@azure/functions';
import type { Principal } from '../auth/roles.js';
import { toTaskView } from '../domain/task-view.js';
import type { BatchResult } from '../schemas/batch.js';
import type { BatchOutcome } from '../use-cases/batch-tasks.js';
import { statusOf, toProblem, unexpectedProblem, type RequestFacts } from './problem-response.js';

/** Each batch item's outcome as the API reports it: its own status, and the task or a problem. */
export function toBatchResults(
  outcomes: readonly BatchOutcome[],
  principal: Principal,
  facts: RequestFacts,
  invocation: Pick<InvocationContext, 'error'>,
): BatchResult[] {
  return outcomes.map((outcome): BatchResult => {
    const { index, op } = outcome;
    switch (outcome.kind) {
      case 'created':
      case 'updated':
        return { index, op, status: outcome.kind === 'created' ? 201 : 200, data: toTaskView(outcome.task, principal) };
      case 'refused':
        return { index, op, status: statusOf(outcome.error), problem: toProblem(outcome.error, facts) };
      case 'failed':
        invocation.error(`Batch item ${index} failed unexpectedly (correlation id ${facts.correlationId})`, outcome.error);
        return { index, op, status: 500, problem: unexpectedProblem(facts) };
    }
  });
}
