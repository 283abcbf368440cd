import type { Principal } from '../auth/roles.js';
import { fieldErrorsFromZod } from '../errors/zod-field-errors.js';
import type { ImportItem, OperationError } from '../schemas/operation.js';
import { caseRecordSchema, type CaseRecord } from '../schemas/reference.js';
import { inWorkScope } from './permissions.js';

export interface ScreenedRows {
  accepted: ImportItem[];
  /** Per-field reasons, each naming its row. */
  errors: OperationError[];
  rejectedRows: number;
}

/** `row 3`: the 1-based position among the data rows (the CSV header is not a row). */
export const rowLabel = (row: number): string => `row ${row}`;

/**
 * Sorts import rows at request time into the ones to import and the ones refused, with every
 * reason: invalid fields (caseRecordSchema), a case outside the requester's work scope (a manager
 * imports only for their own jurisdictions and locations), or a case reference already given by
 * an earlier row (chunks run concurrently, so "the last one wins" would not be well defined).
 */
export function screenImportRows(rows: readonly unknown[], principal: Principal): ScreenedRows {
  const accepted: ImportItem[] = [];
  const errors: OperationError[] = [];
  const firstRowOf = new Map<string, number>();
  let rejectedRows = 0;
  rows.forEach((value, index) => {
    const row = index + 1;
    const screened = screenRow(value, principal, firstRowOf);
    if ('reasons' in screened) {
      rejectedRows += 1;
      errors.push(...screened.reasons.map((reason) => ({ item: rowLabel(row), ...reason })));
      return;
    }
    firstRowOf.set(screened.record.caseId, row);
    accepted.push({ row, record: screened.record });
  });
  return { accepted, errors, rejectedRows };
}

type Reason = Omit<OperationError, 'item'>;

function screenRow(value: unknown, principal: Principal, firstRowOf: ReadonlyMap<string, number>): { record: CaseRecord } | { reasons: Reason[] } {
  const parsed = caseRecordSchema.safeParse(value);
  if (!parsed.success) {
    return { reasons: fieldErrorsFromZod(parsed.error, 'body', value).map(({ field, message }) => (field === '(root)' ? { message } : { field, message })) };
  }
  const scope = scopeReason(parsed.data, principal);
  if (scope) return { reasons: [scope] };
  const first = firstRowOf.get(parsed.data.caseId);
  if (first !== undefined) return { reasons: [{ field: 'caseId', message: `repeats the case reference of ${rowLabel(first)}` }] };
  return { record: parsed.data };
}

function scopeReason(record: CaseRecord, principal: Principal): Reason | undefined {
  if (inWorkScope(principal, record)) return undefined;
  const inJurisdiction = principal.workScope?.jurisdictions.includes(record.jurisdiction) ?? false;
  return inJurisdiction
    ? { field: 'locationId', message: `is outside your work scope: you do not work at location ${record.locationId}` }
    : { field: 'jurisdiction', message: `is outside your work scope: you do not work in ${record.jurisdiction}` };
}

/** What the store holds for a row's case reference when the row is processed. */
export interface StoredCaseFacts {
  /** The case as imported before, if it was. */
  existing: Pick<CaseRecord, 'jurisdiction' | 'locationId'> | undefined;
  /** The jurisdictions of the (not deleted) tasks on this case reference. */
  taskJurisdictions: readonly string[];
}

/** The one answer for a case reference taken by data outside the requester's scope: it names nothing of it. */
export const USED_OUTSIDE_SCOPE = 'is already used outside your work scope';

/**
 * Whether importing the row would make the case record disagree with what is stored: the case
 * record and the tasks on the case must agree on its jurisdiction, or the tasks' own jurisdiction
 * could no longer add tasks to its case (a task must carry its case's jurisdiction).
 * - An existing case keeps its jurisdiction: a correction is a data fix, not an import.
 * - A case reference already used by tasks of another jurisdiction is not imported elsewhere.
 * - An existing case, or tasks, outside the requester's scope are reported without naming their
 *   jurisdiction (one message for both), as for every reference outside a caller's scope.
 */
export function conflictWithStoredCase(record: CaseRecord, facts: StoredCaseFacts, requester: Principal): Reason | undefined {
  const { existing } = facts;
  if (existing && !inWorkScope(requester, existing)) return { field: 'caseId', message: USED_OUTSIDE_SCOPE };
  if (existing && existing.jurisdiction !== record.jurisdiction) {
    return { field: 'jurisdiction', message: `must be ${existing.jurisdiction}: the case is already imported in ${existing.jurisdiction}, and a case keeps its jurisdiction` };
  }
  const others = [...new Set(facts.taskJurisdictions)].filter((jurisdiction) => jurisdiction !== record.jurisdiction).sort();
  if (others.length === 0) return undefined;
  if (!others.every((jurisdiction) => worksIn(requester, jurisdiction))) return { field: 'caseId', message: USED_OUTSIDE_SCOPE };
  return { field: 'caseId', message: `is used by ${others.join(' and ')} tasks` };
}

const worksIn = (principal: Principal, jurisdiction: string): boolean =>
  principal.roles.includes('admin') || (principal.workScope?.jurisdictions.includes(jurisdiction) ?? false);
