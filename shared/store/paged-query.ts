import type { Container, SqlQuerySpec } from '@azure/cosmos';
import type { Principal } from '../auth/roles.js';
import { withCosmosErrors } from './cosmos-errors.js';
import { cursorOwner, staleCursor, type CursorCodec } from './cursor.js';

/** A page request: its size, the cursor of the previous page, and the caller the cursors are bound to. */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
  caller: Principal;
}

/**
 * One page of a query, resumable with an opaque cursor. Cosmos may return a short page before the
 * end (for example at a partition boundary), so this keeps resuming from the continuation token
 * until the page is full or the results end; the cursor is the token after the last item returned,
 * signed for this caller and query (see cursor.ts).
 */
export async function queryPage<T>(
  container: Container,
  cursors: CursorCodec,
  spec: SqlQuerySpec,
  page: PageRequest & { partitionKey?: string },
): Promise<{ items: T[]; nextCursor: string | null }> {
  const owner = cursorOwner(page.caller);
  let continuationToken = page.cursor ? cursors.decode(page.cursor, spec, owner) : undefined;
  // Only the first request resumes from the client's cursor; later ones use tokens just received.
  let resumingClientCursor = continuationToken !== undefined;
  const items: T[] = [];
  return withCosmosErrors(async () => {
    do {
      let response;
      try {
        response = await container.items
          .query<T>(spec, {
            maxItemCount: page.limit - items.length,
            continuationToken,
            ...(page.partitionKey === undefined ? {} : { partitionKey: page.partitionKey }),
          })
          .fetchNext();
      } catch (error) {
        // A genuine cursor whose token the database refuses (a token format or index change since
        // it was issued): the caller's cursor is stale, not a fault of the service.
        if (resumingClientCursor && isRefusedContinuation(error)) throw staleCursor();
        throw error;
      }
      resumingClientCursor = false;
      items.push(...response.resources);
      continuationToken = response.continuationToken ?? undefined;
    } while (continuationToken && items.length < page.limit);
    return { items, nextCursor: continuationToken ? cursors.encode(spec, owner, continuationToken) : null };
  });
}

/** Cosmos answers 400 to a continuation token it cannot use; the SDK may fail to parse one first. */
function isRefusedContinuation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 400 || error instanceof SyntaxError;
}
