import type { TaskEvent } from '../schemas/event.js';
import { eventHash } from './event-hash.js';

export interface ChainProblem {
  sequence: number;
  problem: 'hash_mismatch' | 'broken_link' | 'missing' | 'unexpected_sequence';
  detail: string;
}

export interface ChainReport {
  /** Every stored record is unaltered and they link up from the first without a gap. */
  intact: boolean;
  /** The last record is the task's current head: nothing is still on its way to the trail. */
  upToDate: boolean;
  records: number;
  taskVersion: number;
  problems: ChainProblem[];
}

/**
 * Verifies a task's audit trail against itself and against the task. Each record's hash must be
 * the hash of its content (tampering), each must carry the previous record's hash (reordering or
 * substitution), and sequences must run 1, 2, 3… (a missing record). Records beyond the last
 * stored one that the task already counts are reported as not up to date, not as broken: they may
 * still be in the outbox or in flight.
 */
export function verifyChain(records: readonly TaskEvent[], head: { version: number; lastEventHash: string | null }): ChainReport {
  const problems: ChainProblem[] = [];
  let expectedSequence = 1;
  let previousHash: string | null = null;
  for (const record of records) {
    if (record.sequence !== expectedSequence) {
      problems.push(
        record.sequence > expectedSequence
          ? { sequence: expectedSequence, problem: 'missing', detail: `records ${expectedSequence}-${record.sequence - 1} are missing` }
          : { sequence: record.sequence, problem: 'unexpected_sequence', detail: `sequence ${record.sequence} appears again` },
      );
    }
    if (eventHash(record) !== record.hash) {
      problems.push({ sequence: record.sequence, problem: 'hash_mismatch', detail: 'the record does not match its hash: it was altered' });
    }
    if (record.sequence === expectedSequence && record.previousHash !== previousHash) {
      problems.push({ sequence: record.sequence, problem: 'broken_link', detail: 'previousHash does not match the previous record' });
    }
    expectedSequence = record.sequence + 1;
    previousHash = record.hash;
  }
  const last = records.at(-1);
  const intact = problems.length === 0;
  const upToDate = intact && (last ? last.sequence === head.version && last.hash === head.lastEventHash : head.version === 0);
  return { intact, upToDate, records: records.length, taskVersion: head.version, problems };
}
