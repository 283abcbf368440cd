/** Small filesystem helpers for crash safety. */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/**
 * Makes a rename or a newly created file in `dir` durable. Some platforms
 * (Windows) cannot open or sync a directory; there the rename is as durable
 * as the OS makes it, which is all we can do.
 */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function writeAllSync(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
