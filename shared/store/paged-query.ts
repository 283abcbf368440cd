import type { Container, SqlQuerySpec } from '@azure/cosmos';
import { withCosmosErrors } from './cosmos-errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/**
 * One page of a query, resumable with an opaque cursor. Cosmos may return a short page before the
 * end (for example at a partition boundary), so this keeps resuming from the continuation token
 * until the page is full or the results end; the cursor is the token after the last item returned.
 */
export async function queryPage<T>(
  container: Container,
  spec: SqlQuerySpec,
  page: { limit: number; cursor?: string | undefined; partitionKey?: string },
): Promise<{ items: T[]; nextCursor: string | null }> {
  let continuationToken = page.cursor ? decodeCursor(page.cursor, spec) : undefined;
  const items: T[] = [];
  return withCosmosErrors(async () => {
    do {
      const response = await container.items
        .query<T>(spec, {
          maxItemCount: page.limit - items.length,
          continuationToken,
          ...(page.partitionKey === undefined ? {} : { partitionKey: page.partitionKey }),
        })
        .fetchNext();
      items.push(...response.resources);
      continuationToken = response.continuationToken ?? undefined;
    } while (continuationToken && items.length < page.limit);
    return { items, nextCursor: continuationToken ? encodeCursor(spec, continuationToken) : null };
  });
}
