/**
 * Groups recorded changes into journal units and numbers them.
 *
 * A unit is everything changed in one synchronous stretch of the event loop:
 * upstream performs each operation synchronously once the request body is
 * read, so a replace (a delete then an insert on the same Map) always lands
 * in a single unit and is replayed all or nothing.
 */
import type { Op } from './records.js';

export class Recorder {
  private ops: string[] = [];
  private seq: number;

  /** `emit` receives each sealed unit as one journal line ending in a newline. */
  constructor(lastSeq: number, private readonly emit: (seq: number, line: string) => void) {
    this.seq = lastSeq;
  }

  record(op: Op): void {
    // Serialised now, not at seal time, so later changes to the same object
    // (e.g. a response body being decorated) cannot leak into the journal.
    if (this.ops.length === 0) queueMicrotask(() => this.seal());
    this.ops.push(JSON.stringify(op));
  }

  /** Closes the open unit, if any; returns the seq of the last unit emitted. */
  seal(): number {
    if (this.ops.length > 0) {
      this.seq += 1;
      const line = `{"s":${this.seq},"ops":[${this.ops.join(',')}]}\n`;
      this.ops = [];
      this.emit(this.seq, line);
    }
    return this.seq;
  }
}
