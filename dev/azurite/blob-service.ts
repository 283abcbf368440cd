/**
 * Runs Azurite's Blob service (its own `azurite-blob` command, from the azurite package) in this
 * process. The local host starts it as a child with an IPC channel (dev/azurite/index.ts): when
 * the host goes away, even killed, the channel closes and this process shuts the service down
 * cleanly and ends, so no emulator outlives its host.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const command = require.resolve('azurite/dist/src/blob/main.js');

let stopping = false;
/** Azurite closes its server on SIGTERM (flushing its metadata); then nothing may keep this process alive. */
function stop(): void {
  if (stopping) return;
  stopping = true;
  // The open channel would keep the process alive after the server closed; and should anything
  // else linger, end anyway.
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', stop);
process.on('disconnect', () => {
  if (stopping) return;
  stop();
  process.kill(process.pid, 'SIGTERM');
});

// Azurite reads its options from the command line: hand it ours.
process.argv = [process.argv[0]!, command, ...process.argv.slice(2)];
require(command);
