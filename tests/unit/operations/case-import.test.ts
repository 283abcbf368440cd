import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/auth/roles.js';
import { screenImportRows } from '../../../shared/domain/case-import-rows.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { caseImportFromCsv } from '../../../shared/http/case-import-csv.js';

const HEADER = 'caseId,jurisdiction,locationId,caseName,caseType';

function csvProblem(text: string): AppError {
  try {
    caseImportFromCsv(text);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the CSV to be refused');
}

describe('CSV → rows', () => {
  it('maps each data row to an object keyed by the header, with quoted commas, quotes and line breaks', () => {
    const csv = `${HEADER}\n1234567812345678,IA,765324,"Smith, John v SSHD",Asylum\n1234567812345679,IA,765324,"She said ""no""\nthen left",Asylum\n`;
    expect(caseImportFromCsv(csv).cases).toEqual([
      { caseId: '1234567812345678', jurisdiction: 'IA', locationId: '765324', caseName: 'Smith, John v SSHD', caseType: 'Asylum' },
      { caseId: '1234567812345679', jurisdiction: 'IA', locationId: '765324', caseName: 'She said "no"\nthen left', caseType: 'Asylum' },
    ]);
  });

  it('accepts the columns in any order, CRLF line ends, a byte order mark and blank lines', () => {
    const csv = '\ufeffcaseType, caseName ,locationId,jurisdiction,caseId\r\n\r\nAsylum,Name,765324,IA,1234567812345678\r\n';
    expect(caseImportFromCsv(csv).cases).toEqual([
      { caseId: '1234567812345678', jurisdiction: 'IA', locationId: '765324', caseName: 'Name', caseType: 'Asylum' },
    ]);
  });

  it('a header alone is no rows', () => {
    expect(caseImportFromCsv(`${HEADER}\n`).cases).toEqual([]);
  });

  it('refuses a header that is missing, repeats or adds columns, naming each', () => {
    const problem = csvProblem('caseId,jurisdiction,jurisdiction,caseName,extra\n');
    expect(problem.kind).toBe('validation');
    expect(problem.options.errors).toEqual([
      { in: 'body', field: 'header', message: expect.stringContaining('missing locationId; missing caseType; unknown column "extra"; jurisdiction twice') },
    ]);
  });

  it('refuses malformed CSV: an unclosed quote, or a row whose fields do not line up with the header', () => {
    expect(csvProblem(`${HEADER}\n1234567812345678,IA,765324,"Unclosed,Asylum\n`).options.errors?.[0]).toMatchObject({
      field: '(root)',
      message: expect.stringMatching(/^is not valid CSV: Quote Not Closed/),
    });
    expect(csvProblem(`${HEADER}\n1234567812345678,IA,765324,Smith, John,Asylum\n`).options.errors?.[0]?.message).toMatch(/Invalid Record Length: expect 5, got 6 on line 2/);
  });
});

describe('screening rows', () => {
  const manager: Principal = { userId: 'm1', name: 'M', roles: ['manager'], workScope: { jurisdictions: ['IA', 'SSCS'], locations: [] } };
  const row = (overrides: Record<string, unknown> = {}) => ({
    caseId: '1234567812345678',
    jurisdiction: 'IA',
    locationId: '765324',
    caseName: 'Name',
    caseType: 'Asylum',
    ...overrides,
  });

  it('accepts valid rows with their 1-based row numbers and reports each refused row with per-field reasons', () => {
    const screened = screenImportRows(
      [
        row(),
        row({ caseId: '12', caseType: '9bad' }),
        row({ caseId: '1234567812345670', jurisdiction: 'CIVIL' }),
        42,
        row({ caseId: '1234567812345671', extra: 1 }),
        row({ caseId: '1234567812345672', caseName: '  Trimmed  ' }),
      ],
      manager,
    );
    expect(screened.accepted).toEqual([
      { row: 1, record: row() },
      { row: 6, record: row({ caseId: '1234567812345672', caseName: 'Trimmed' }) },
    ]);
    expect(screened.rejectedRows).toBe(4);
    expect(screened.errors).toEqual([
      { item: 'row 2', field: 'caseId', message: 'must be a 16-digit CCD case reference' },
      { item: 'row 2', field: 'caseType', message: 'must be 1-64 letters, digits, _ or -, starting with a letter' },
      { item: 'row 3', field: 'jurisdiction', message: 'is outside your work scope: you do not work in CIVIL' },
      { item: 'row 4', message: expect.any(String) },
      { item: 'row 5', field: 'extra', message: 'is not a known field' },
    ]);
  });

  it('names missing fields as required', () => {
    const { errors } = screenImportRows([{ caseId: '1234567812345678' }], manager);
    expect(errors.map((error) => [error.field, error.message])).toEqual([
      ['jurisdiction', 'is required'],
      ['locationId', 'is required'],
      ['caseName', 'is required'],
      ['caseType', 'is required'],
    ]);
  });

  it('refuses a location outside a location-scoped manager’s courts', () => {
    const scoped: Principal = { ...manager, workScope: { jurisdictions: ['IA'], locations: ['765324'] } };
    expect(screenImportRows([row({ locationId: '231596' })], scoped).errors).toEqual([
      { item: 'row 1', field: 'locationId', message: 'is outside your work scope: you do not work at location 231596' },
    ]);
  });

  it('lets an admin import anywhere, and refuses a case reference repeated in the same import', () => {
    const admin: Principal = { userId: 'a1', name: undefined, roles: ['admin'] };
    const screened = screenImportRows([row({ jurisdiction: 'CIVIL' }), row({ caseName: 'Again' })], admin);
    expect(screened.accepted.map((item) => item.row)).toEqual([1]);
    expect(screened.errors).toEqual([{ item: 'row 2', field: 'caseId', message: 'repeats the case reference of row 1' }]);
  });
});
