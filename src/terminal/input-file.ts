/**
 * Files a command reads (baskets, return lines, programs, keys, certificates): regular files only,
 * and at most a bounded size, so `--basket /dev/zero` or a FIFO cannot hang the counter and a huge
 * file cannot exhaust memory. Refusals are one-line typed errors.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TallyError } from '../core/errors.js';

export const MAX_INPUT_FILE_BYTES = 1024 * 1024;

export function readInputFile(path: string, what: string, maxBytes = MAX_INPUT_FILE_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new TallyError('invalid-input', `Cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new TallyError('invalid-input', `Cannot read ${what} ${path}: it is not a regular file`);
    if (stat.size > maxBytes) throw new TallyError('invalid-input', `${what} ${path} is ${stat.size} bytes; at most ${maxBytes} are read`);
    // Read up to one byte past the limit: a file that grows while being read is refused too.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw new TallyError('invalid-input', `${what} ${path} is larger than ${maxBytes} bytes`);
    }
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof TallyError) throw error;
    throw new TallyError('invalid-input', `Cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  } finally {
    closeSync(fd);
  }
}
