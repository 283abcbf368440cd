import { QUEUES } from '../shared/config/entities.js';
import { registerConsumer } from '../shared/consumers/register-consumer.js';
import { chunkMessageSchema } from '../shared/schemas/operation.js';
import { processChunk } from '../shared/use-cases/process-chunk.js';

/** One chunk of a long-running operation → process its items and merge the result (idempotent). */
registerConsumer({
  name: 'operations-worker',
  from: { queue: QUEUES.operations.name },
  message: chunkMessageSchema,
  handler: async ({ services, message, deliveryCount, traceparent, invocation }) => {
    const outcome = await processChunk(services, message, { log: invocation, traceparent }, deliveryCount);
    invocation.log(`Chunk ${message.chunk} of operation ${message.operationId}: ${outcome}.`);
  },
});
