import { app } from '@azure/functions';
import { QUEUES, SERVICE_BUS_CONNECTION } from '../shared/config/entities.js';
import { chunkMessageSchema } from '../shared/schemas/operation.js';
import { processChunk } from '../shared/use-cases/process-chunk.js';

/** One chunk of a long-running operation → process its items and merge the result (idempotent). A throw abandons the message for retry. */
app.serviceBusQueue('operations-worker', {
  connection: SERVICE_BUS_CONNECTION,
  queueName: QUEUES.operations.name,
  handler: async (message, context) => {
    const chunk = chunkMessageSchema.parse(typeof message === 'string' ? JSON.parse(message) : message);
    const deliveryCount = Number(context.triggerMetadata?.deliveryCount ?? 1);
    const outcome = await processChunk(chunk, context, deliveryCount);
    context.log(`Chunk ${chunk.chunk} of operation ${chunk.operationId}: ${outcome}.`);
  },
});
