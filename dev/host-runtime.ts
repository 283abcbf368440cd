/**
 * The Node flags of the local host process: `npm start` (package.json) and everything that starts
 * the host the same way (tests/support/local-host-process.ts: the integration tests, the benchmark,
 * the soak run). tests/infra/local-host-heap.test.ts checks that package.json says the same.
 *
 * - `--enable-source-maps`: stack traces at the TypeScript lines.
 * - The V8 heap the app gets on its Azure instance. Node sizes V8's heap from the memory it is given
 *   (V8's Heap::HeapSizeFromPhysicalMemory, 64-bit: old generation = memory / 4 × 2, semi-space =
 *   old generation / 128), so on a Flex Consumption instance of `functionInstanceMemoryMB` =
 *   2,048 MB (bicep/main.bicep) the worker has a 1,024 MB old generation and 8 MB semi-spaces. On
 *   a development machine Node would size it from all the machine's memory (4 GB here): then V8
 *   lets garbage build up to about four times the live heap before a full collection, and an app
 *   that would run out of memory in Azure would not do so here. With the instance's heap, the host
 *   under load keeps about 180 MiB resident instead of 300-350 MiB, for 0-7% more CPU per request
 *   (docs/adr/0006-request-path-round-trips.md). The embedded database and the local broker share
 *   this heap, which Azure does not: 1,024 MB holds a few hundred thousand tasks.
 */

/** `functionInstanceMemoryMB` of bicep/main.bicep (its default, and what prod sets). */
export const FUNCTION_INSTANCE_MEMORY_MB = 2048;

/** What V8 derives from that memory on 64-bit (see above). */
export const OLD_GENERATION_MB = (FUNCTION_INSTANCE_MEMORY_MB / 4) * 2;
export const SEMI_SPACE_MB = OLD_GENERATION_MB / 128;

export const LOCAL_HOST_NODE_FLAGS: readonly string[] = [
  '--enable-source-maps',
  `--max-old-space-size=${OLD_GENERATION_MB}`,
  `--max-semi-space-size=${SEMI_SPACE_MB}`,
];
