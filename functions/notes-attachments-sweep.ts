import { registerTimer } from '../shared/consumers/register-consumer.js';
import { SETTING } from '../shared/config/settings.js';
import { trackMetric } from '../shared/telemetry/metrics.js';
import { sweepNotesAndAttachments } from '../shared/use-cases/sweep-notes-attachments.js';

/**
 * Housekeeping of notes and attachments (shared/use-cases/sweep-notes-attachments.ts): note writes a
 * crash left behind, uploads never completed, and malware scan results where scanning is on.
 */
registerTimer({
  name: 'notes-attachments-sweep',
  schedule: `%${SETTING.notesAttachmentsSweepSchedule}%`,
  handler: async ({ services, correlationId, invocation }) => {
    const outcome = await sweepNotesAndAttachments(services, correlationId, invocation.traceContext?.traceParent ?? undefined);
    trackMetric(invocation, 'notes.writesFinished', outcome.noteWritesFinished);
    trackMetric(invocation, 'attachments.uploadsRemoved', outcome.uploadsRemoved);
    trackMetric(invocation, 'attachments.scansRecorded', outcome.scansRecorded);
    if (outcome.infected > 0) invocation.warn(`notes-attachments-sweep: ${outcome.infected} infected file(s) found by malware scanning were deleted and rejected`);
    if (outcome.noteWritesFinished > 0) invocation.warn(`notes-attachments-sweep: finished ${outcome.noteWritesFinished} note write(s) a failure had left pending`);
  },
});
