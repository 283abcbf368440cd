/**
 * Query parameters as a plain object for schema validation: a parameter given once is a string,
 * one given several times an array (so single-valued parameters can reject repetition).
 */
export function queryToObject(query: URLSearchParams): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    result[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return result;
}
