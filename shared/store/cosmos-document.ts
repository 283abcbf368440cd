/** Cosmos system properties, which never leave the store layer. */
export interface SystemProperties {
  _rid?: string;
  _self?: string;
  _etag?: string;
  _attachments?: string;
  _ts?: number;
}

/** The document without Cosmos system properties, and its `_etag` beside it. */
export function splitSystemProperties<T>(resource: T & SystemProperties): { document: T; cosmosEtag: string } {
  const { _rid, _self, _etag, _attachments, _ts, ...document } = resource;
  return { document: document as T, cosmosEtag: String(_etag) };
}
