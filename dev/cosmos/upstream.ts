/**
 * Typed access to the internals of @vercel/cosmosdb-server that the embedded
 * database builds on. The package only exports ready-made servers whose
 * in-memory Account is hidden in a closure, so persistence has to reach the
 * Account class and the route table directly (lib/account, lib/routes).
 * These are CommonJS deep imports of a pinned version (1.0.1); the interfaces
 * below describe only the members we rely on, so an upgrade that changes them
 * fails loudly in the tests rather than silently losing data.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';

const require = createRequire(import.meta.url);

/** A stored resource (database, collection, document or UDF definition). */
export type Resource = Record<string, unknown> & { id: string; _rid: string };

/** Wrapper object each container keeps per resource (lib/account/item.js). */
export interface ItemObject {
  read(): Resource | undefined | null;
}

/** lib/account/items.js: a Map-backed container of resources keyed by _rid. */
export interface Items<I extends ItemObject = ItemObject> {
  _parent: ItemObject;
  _data: Map<string, I>;
  _ridCount: number;
  _set(data: Record<string, unknown>): Resource;
  /** The upstream create: unique-key check (409 as an error with `conflict`), new _rid, _etag and _ts. */
  create(data: Record<string, unknown>): Resource;
  delete(idOrRid: string, partition?: unknown): void;
  _getPartition(data: Record<string, unknown>): unknown;
}

export interface CollectionItem extends ItemObject {
  documents: Items;
  userDefinedFunctions: Items & { functions: Record<string, unknown> };
}

export interface DatabaseItem extends ItemObject {
  collections: Items<CollectionItem>;
}

export interface Account extends ItemObject {
  databases: Items<DatabaseItem>;
}

type RouteHandler = (
  account: Account,
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
) => unknown;

/** lib/routes.js: maps a request to [params, handler], or undefined. */
export type Router = (req: IncomingMessage) => [Record<string, string>, RouteHandler] | undefined;

const AccountClass = (require('@vercel/cosmosdb-server/lib/account/index.js') as {
  default: new (host: string, port: number) => Account;
}).default;

export const route = (require('@vercel/cosmosdb-server/lib/routes.js') as { default: Router }).default;

export function newAccount(host: string, port: number): Account {
  const account = new AccountClass(host, port);
  // Cheap guard against an upgrade that reshapes the internals we hook.
  if (!(account.databases?._data instanceof Map) || typeof account.databases._set !== 'function') {
    throw new Error('embedded cosmos: unsupported @vercel/cosmosdb-server internals (written for 1.0.1)');
  }
  return account;
}
