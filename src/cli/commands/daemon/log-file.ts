import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The last `count` complete lines of a file, and the byte offset just after them, where following
 * should continue (a half-written last line is left for the follower). Missing file → nothing, offset 0.
 */
export function readTail(path: string, count: number): { lines: string[]; partial: string; offset: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], partial: '', offset: 0 };
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let position = size;
    let newlines = 0;
    // Read backwards until the window holds more line ends than lines wanted (or the file's start).
    while (position > 0 && newlines <= count) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, position);
      for (const byte of chunk) if (byte === NEWLINE) newlines++;
      chunks.unshift(chunk);
    }
    const window = Buffer.concat(chunks);
    const lastEnd = window.lastIndexOf(NEWLINE);
    const partial = window.subarray(lastEnd + 1).toString('utf8');
    let lines = lastEnd < 0 ? [] : window.subarray(0, lastEnd).toString('utf8').split('\n');
    // A window that does not start at the file's start begins mid-line.
    if (position > 0) lines = lines.slice(1);
    return { lines: count > 0 ? lines.slice(-count) : [], partial, offset: position + lastEnd + 1 };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads what was appended since `offset`: complete lines, and the new offset (after the last line
 * end). A file that shrank was truncated or replaced: reading starts over from its beginning.
 */
export function readAppended(path: string, offset: number): { lines: string[]; offset: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], offset: 0 };
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    const from = size < offset ? 0 : offset;
    if (size === from) return { lines: [], offset: from };
    const buffer = Buffer.alloc(size - from);
    const read = readSync(fd, buffer, 0, buffer.length, from);
    const lastEnd = buffer.subarray(0, read).lastIndexOf(NEWLINE);
    if (lastEnd < 0) return { lines: [], offset: from };
    return { lines: buffer.subarray(0, lastEnd).toString('utf8').split('\n'), offset: from + lastEnd + 1 };
  } finally {
    closeSync(fd);
  }
}
