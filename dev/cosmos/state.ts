/**
 * The in-memory account of @vercel/cosmosdb-server, watched and rebuilt.
 *
 * Every container in lib/account keeps its resources in one primary Map
 * (`_data`, keyed by _rid); every create, replace, upsert, patch, delete and
 * batch/bulk operation, and every database/collection change, ends in a
 * `set` or `delete` on such a Map. Swapping those Maps for recording ones
 * therefore sees every change whatever handler made it, in the order it was
 * made, without depending on how each route is implemented.
 */
import type { Kind, Op } from './records.js';
import {
  newAccount,
  type Account,
  type CollectionItem,
  type DatabaseItem,
  type ItemObject,
  type Items,
  type Resource,
} from './upstream.js';

export class AccountState {
  readonly account: Account;
  /** True while replaying, so restored state is not journaled a second time. */
  private replaying = false;
  /** A collection just removed by a replace, whose contents the new definition inherits. */
  private replacedCollection: { rid: string; item: CollectionItem } | undefined;

  constructor(host: string, port: number, private readonly record: (op: Op) => void) {
    this.account = newAccount(host, port);
    this.watch(this.account.databases, 'db', []);
  }

  /** Applies journaled or snapshotted changes, in order, without re-recording them. */
  replay(ops: Iterable<Op>): void {
    this.replaying = true;
    try {
      for (const op of ops) this.apply(op);
    } finally {
      this.replaying = false;
    }
  }

  /**
   * Yields ops that rebuild the current state from empty: each container's
   * resources after the resource that owns it, then the container's rid
   * counter (which may be ahead of its live resources after deletes).
   */
  *dump(): Generator<Op> {
    const { databases } = this.account;
    for (const [dbRid, db] of databases._data) {
      yield setOp('db', [], db, databases);
      const { collections } = db;
      for (const [collRid, coll] of collections._data) {
        yield setOp('coll', [dbRid], coll, collections);
        const at = [dbRid, collRid];
        for (const doc of coll.documents._data.values()) yield setOp('doc', at, doc, coll.documents);
        for (const udf of coll.userDefinedFunctions._data.values()) yield setOp('udf', at, udf, coll.userDefinedFunctions);
        yield { o: 'ctr', k: 'doc', p: at, n: coll.documents._ridCount };
        yield { o: 'ctr', k: 'udf', p: at, n: coll.userDefinedFunctions._ridCount };
      }
      yield { o: 'ctr', k: 'coll', p: [dbRid], n: collections._ridCount };
    }
    yield { o: 'ctr', k: 'db', p: [], n: databases._ridCount };
  }

  private apply(op: Op): void {
    const items = this.container(op.k, op.p);
    switch (op.o) {
      case 'set': {
        // _set is the upstream insert path: it rebuilds the id/unique-key index
        // and, for collections, the Collection object with its partition key,
        // unique keys and indexing policy (composite indexes included).
        items._set(op.d);
        items._ridCount = Math.max(items._ridCount, op.n);
        if (op.k === 'udf') defineUdf(items as CollectionItem['userDefinedFunctions'], op.d);
        break;
      }
      case 'del': {
        const data = items._data.get(op.r)?.read();
        if (!data) throw new Error(`replay: ${op.k} ${op.r} to delete is missing under [${op.p.join('/')}]`);
        // Upstream delete also drops the index entries (and a UDF's compiled function).
        items.delete(data.id, items._getPartition(data));
        if (items._data.has(op.r)) throw new Error(`replay: ${op.k} ${op.r} could not be deleted`);
        break;
      }
      case 'ctr':
        items._ridCount = Math.max(items._ridCount, op.n);
        break;
    }
  }

  private container(kind: Kind, path: string[]): Items {
    if (kind === 'db') return this.account.databases;
    const db = lookup(this.account.databases, path[0], 'database');
    if (kind === 'coll') return db.collections;
    const coll = lookup(db.collections, path[1], 'collection');
    return kind === 'doc' ? coll.documents : coll.userDefinedFunctions;
  }

  /** Makes `items` report changes, and watches the containers of what it stores. */
  private watch(items: Items, kind: Kind, path: string[]): void {
    const onSet = (rid: string, item: ItemObject): void => {
      const replaced = this.replacedCollection;
      this.replacedCollection = undefined;
      if (kind === 'coll' && replaced?.rid === rid) inheritContents(item as CollectionItem, replaced.item);
      else this.watchChildren(kind, [...path, rid], item);
      if (this.replaying) return;
      const data = item.read();
      if (!data) return;
      this.record({ o: 'set', k: kind, p: path, d: data, n: items._ridCount });
    };
    const onDelete = (rid: string, item: ItemObject): void => {
      // Upstream replaces a resource by deleting it and inserting the new
      // version under the same _rid, in the same synchronous call.
      if (kind === 'coll') this.replacedCollection = { rid, item: item as CollectionItem };
      if (!this.replaying) this.record({ o: 'del', k: kind, p: path, r: rid });
    };
    // Containers are watched as soon as they are created, while still empty,
    // so no earlier entry can be missed.
    if (items._data.size > 0) throw new Error(`cannot watch a non-empty ${kind} container`);
    items._data = new RecordingMap(onSet, onDelete);
  }

  private watchChildren(kind: Kind, path: string[], item: ItemObject): void {
    if (kind === 'db') {
      this.watch((item as DatabaseItem).collections, 'coll', path);
    } else if (kind === 'coll') {
      const coll = item as CollectionItem;
      this.watch(coll.documents, 'doc', path);
      this.watch(coll.userDefinedFunctions, 'udf', path);
    }
  }
}

/** A Map that reports each insert and each effective delete after applying it. */
class RecordingMap<V extends ItemObject> extends Map<string, V> {
  constructor(
    private readonly onSet: (key: string, value: V) => void,
    private readonly onDelete: (key: string, value: V) => void,
  ) {
    super();
  }

  override set(key: string, value: V): this {
    super.set(key, value);
    this.onSet(key, value);
    return this;
  }

  override delete(key: string): boolean {
    const value = super.get(key);
    const had = super.delete(key);
    if (had) this.onDelete(key, value as V);
    return had;
  }

  override clear(): void {
    // Upstream never clears a container; refuse rather than lose changes silently.
    throw new Error('RecordingMap.clear is not supported');
  }
}

/**
 * Upstream builds a new, empty Collection when a container definition is
 * replaced (e.g. to change its indexing policy), silently dropping every
 * document; real Cosmos keeps them. Moving the old contents under the new
 * definition restores that. It happens here, below the journal, so live
 * operation and replay (which sees the same delete + insert) agree.
 */
function inheritContents(next: CollectionItem, previous: CollectionItem): void {
  next.documents = previous.documents;
  next.userDefinedFunctions = previous.userDefinedFunctions;
  // Queries read the composite indexes from the parent, so point at the new definition.
  next.documents._parent = next;
  next.userDefinedFunctions._parent = next;
}

function setOp(kind: Kind, path: string[], item: ItemObject, items: Items): Op {
  const data = item.read();
  if (!data) throw new Error(`dump: empty ${kind} under [${path.join('/')}]`);
  return { o: 'set', k: kind, p: path, d: data, n: items._ridCount };
}

function lookup<I extends ItemObject>(items: Items<I>, rid: string | undefined, what: string): I {
  const item = rid === undefined ? undefined : items._data.get(rid);
  if (!item?.read()) throw new Error(`replay: ${what} ${rid} is missing`);
  return item;
}

/** Upstream compiles a UDF when it is created; restored UDFs need the same. */
function defineUdf(udfs: CollectionItem['userDefinedFunctions'], data: Resource): void {
  if (typeof data.body !== 'string') return;
  // Same construction as lib/account/user-defined-functions.js.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  udfs.functions[data.id] = new Function(`"use strict";return (${data.body})`)();
}
