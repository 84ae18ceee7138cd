/**
 * A text file cut into byte ranges that can be read independently (by different threads) and still give the
 * lines `readLines` (src/io/lines.ts) gives: a line belongs to the range its first byte lies in; a range's lines
 * are read to their ends even past the range; line numbers are rebuilt by the caller from each range's count of
 * lines. Line endings are `\n` or `\r\n`, a final line may lack one, and a byte order mark at the very start of
 * the file is not part of line 1. Synchronous reads: this runs on worker threads, or on small files.
 */
import { readSync } from 'node:fs';

export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Ranges of about `chunkBytes` bytes covering a file of `size` bytes. */
export function planRanges(size: number, chunkBytes: number): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (let start = 0; start < size; start += chunkBytes) ranges.push({ start, end: Math.min(size, start + chunkBytes) });
  return ranges;
}

/** The bytes of the lines that start in a range, and where each line's text starts and stops. */
export interface RangeLines {
  readonly bytes: Buffer;
  /** Bytes [from, to) of `bytes` hold the lines, line endings included. */
  readonly from: number;
  readonly to: number;
  /** Whether the first line is line 1 of the file (its byte order mark, if any, is skipped). */
  readonly atFileStart: boolean;
}

function readFully(fd: number, buffer: Buffer, offset: number, length: number, position: number): number {
  let total = 0;
  while (total < length) {
    const read = readSync(fd, buffer, offset + total, length - total, position + total);
    if (read === 0) break;
    total += read;
  }
  return total;
}

/**
 * Reads the lines that start in `range` of the open file `fd` (of `size` bytes), into `scratch` when it is large
 * enough (a thread reading range after range reuses one buffer instead of allocating megabytes each time).
 */
export function readRangeLines(fd: number, size: number, range: ByteRange, scratch?: Buffer): RangeLines {
  // One byte before the range tells whether a line starts right at its first byte.
  const origin = range.start === 0 ? 0 : range.start - 1;
  const wanted = Math.max(64, range.end - origin + 4096);
  let bytes = scratch && scratch.length >= wanted ? scratch : Buffer.allocUnsafe(wanted);
  let length = readFully(fd, bytes, 0, Math.min(bytes.length, size - origin), origin);
  let from = 0;
  if (range.start > 0) {
    const newline = bytes.subarray(0, length).indexOf(10, 0);
    if (newline === -1 || origin + newline + 1 >= range.end) return { bytes, from: 0, to: 0, atFileStart: false };
    from = newline + 1;
  }
  // The last line that starts in the range ends at the first newline at or after the range's last byte.
  let searchFrom = range.end - 1 - origin;
  let stop = bytes.subarray(0, length).indexOf(10, searchFrom);
  while (stop === -1 && origin + length < size) {
    searchFrom = length;
    const grown = Buffer.allocUnsafe(bytes.length * 2);
    bytes.copy(grown, 0, 0, length);
    bytes = grown;
    length += readFully(fd, bytes, length, Math.min(bytes.length - length, size - origin - length), origin + length);
    stop = bytes.subarray(0, length).indexOf(10, searchFrom);
  }
  return { bytes, from, to: stop === -1 ? length : stop + 1, atFileStart: range.start === 0 };
}

/**
 * Calls `line(start, end)` for each line of `lines` in order, with the bounds of its text in `lines.bytes` (line
 * ending and, on line 1, the byte order mark excluded). Returns how many lines there were (blank ones included).
 */
export function forEachLine(lines: RangeLines, line: (start: number, end: number, index: number) => boolean | void): number {
  const { bytes, to } = lines;
  let start = lines.from;
  if (lines.atFileStart && to - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf) start += 3;
  let count = 0;
  while (start < to) {
    let newline = bytes.indexOf(10, start);
    if (newline === -1 || newline >= to) newline = to;
    const end = newline > start && bytes[newline - 1] === 13 ? newline - 1 : newline;
    count++;
    if (line(start, end, count) === false) return count;
    start = newline + 1;
  }
  return count;
}
