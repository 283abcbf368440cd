import { writeSync } from 'node:fs';

/**
 * Log lines for a busy local host: written together once per turn of the event loop instead of
 * one synchronous write per line (stdout to a file or a pipe is written synchronously by
 * console.log, and a host logs two lines per invocation). Order is kept; whatever is still
 * buffered is written when the process exits, however it exits.
 */
export function lineWriter(fd = 1): (line: string) => void {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = `${pending.join('\n')}\n`;
    pending = [];
    try {
      writeSync(fd, text);
    } catch {
      // A closed stdout must not take the host down.
    }
  };
  process.on('exit', flush);
  return (line) => {
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
