import type { RpcTypedData } from './core-types.js';

/**
 * Conversions between plain values and the worker protocol's `TypedData`, the envelope every
 * trigger input, trigger-metadata entry and output travels in.
 */

/** A value as the host would send it: text as `string`, bytes as `bytes`, numbers, the rest as JSON. */
export function toTypedData(value: unknown): RpcTypedData | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { string: value };
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return { bytes: value };
  if (value instanceof ArrayBuffer) return { bytes: new Uint8Array(value) };
  if (typeof value === 'number') return Number.isInteger(value) ? { int: value } : { double: value };
  return { json: JSON.stringify(value) };
}

/**
 * An output as the function produced it (the library's toRpcTypedData is the inverse):
 * `json` is parsed, `string` stays a string, bytes become a Buffer, `http` stays RPC-shaped.
 */
export function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (isSet(data.string)) return data.string;
  if (isSet(data.json)) return JSON.parse(data.json);
  if (isSet(data.bytes)) return Buffer.from(data.bytes);
  if (isSet(data.stream)) return Buffer.from(data.stream);
  if (isSet(data.http)) return data.http;
  if (isSet(data.int)) return data.int;
  if (isSet(data.double)) return data.double;
  if (data.collectionBytes?.bytes) return data.collectionBytes.bytes.map((bytes) => Buffer.from(bytes));
  if (data.collectionString?.string) return data.collectionString.string;
  if (data.collectionDouble?.double) return data.collectionDouble.double;
  if (data.collectionSint64?.sint64) return data.collectionSint64.sint64;
  return undefined;
}

function isSet<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}
