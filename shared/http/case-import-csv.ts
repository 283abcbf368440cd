import { CsvError, parse } from 'csv-parse/sync';
import { validationError } from '../errors/app-error.js';
import { decodeUtf8KeepingInvalid, escapeLoneSurrogates } from './well-formed-text.js';

/** The header a case import CSV must have (any order); the same names as the JSON fields. */
export const CASE_IMPORT_COLUMNS = ['caseId', 'jurisdiction', 'locationId', 'caseName', 'caseType'] as const;

/**
 * Decodes a `text/csv` case import into the shape the JSON body has, `{ cases: [ {...}, ... ] }`,
 * so both formats are validated row by row by the same code.
 *
 * Parsing is csv-parse's (RFC 4180: quoted fields, commas, quotes and line breaks inside quotes,
 * a UTF-8 byte order mark as Excel writes it); hand-rolled splitting on commas gets exactly those
 * wrong. A structural error (an unclosed quote, a row with more or fewer fields than the header)
 * refuses the whole file: past a misplaced comma the values no longer line up with their columns,
 * so guessing would import a case with, say, its name as its jurisdiction.
 */
export function caseImportFromCsv(text: string, bytes: Uint8Array = new TextEncoder().encode(text)): { cases: Record<string, string>[] } {
  let records: string[][];
  try {
    records = text.isWellFormed() ? (parse(text, { bom: true, skip_empty_lines: true }) as string[][]) : parseBytes(bytes);
  } catch (error) {
    if (error instanceof CsvError) throw validationError([{ in: 'body', field: '(root)', message: `is not valid CSV: ${error.message}` }]);
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) throw validationError([{ in: 'body', field: '(root)', message: `must be CSV with the header row ${CASE_IMPORT_COLUMNS.join(',')}` }]);
  const columns = checkHeader(header);
  return { cases: rows.map((fields) => Object.fromEntries(columns.map((column, index) => [column, fields[index] ?? '']))) };
}

/**
 * A file that is not UTF-8 throughout, parsed so that each field keeps its invalid bytes: csv-parse
 * reads text as UTF-8 and would turn them into U+FFFD, so the bytes are handed over one character
 * per byte (the delimiters, quotes and line breaks are ASCII, which no byte of a multi-byte UTF-8
 * sequence can be mistaken for) and each field is decoded on its own, its invalid bytes becoming
 * lone surrogates that the request check then reports by row and column.
 */
function parseBytes(bytes: Uint8Array): string[][] {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const records = parse(Buffer.from(body).toString('latin1'), { skip_empty_lines: true }) as string[][];
  return records.map((fields) => fields.map((field) => decodeUtf8KeepingInvalid(Buffer.from(field, 'latin1'), { dropByteOrderMark: false })));
}

/** The header's column names, trimmed; 400 naming what is missing, unknown or repeated. */
function checkHeader(header: readonly string[]): string[] {
  const columns = header.map((name) => name.trim());
  const known = new Set<string>(CASE_IMPORT_COLUMNS);
  const problems = [
    ...CASE_IMPORT_COLUMNS.filter((column) => !columns.includes(column)).map((column) => `missing ${column}`),
    ...columns.filter((column) => !known.has(column)).map((column) => `unknown column "${escapeLoneSurrogates(column)}"`),
    ...columns.filter((column, index) => known.has(column) && columns.indexOf(column) !== index).map((column) => `${column} twice`),
  ];
  if (problems.length > 0) {
    throw validationError([{ in: 'body', field: 'header', message: `must be ${CASE_IMPORT_COLUMNS.join(',')} (${problems.join('; ')})` }]);
  }
  return columns;
}
