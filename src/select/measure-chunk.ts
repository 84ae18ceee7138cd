/**
 * Measures the lines of one byte range of a rollouts file into ChunkStats: each line goes through the fast
 * scanner, and any line it leaves (see src/io/rollout-scan.ts) through the exact reader, whose record is measured
 * by the same code. Runs on worker threads or on the calling thread. What it returns is what the calling thread
 * needs to finish the job in file order: the statistics, the prompt_id hashes (duplicates are found across the
 * whole file there), the count of lines (for line numbers) and the first line the exact reader rejects, whose
 * text the calling thread parses again with its real line number to throw the exact error.
 */
import { forEachLine, type RangeLines } from '../io/line-chunks.js';
import { RolloutScanner, SCAN_BLANK, SCAN_FALLBACK, SCAN_GROUP } from '../io/rollout-scan.js';
import { hash53 } from '../io/id-set.js';
import { parseRolloutLine } from '../io/rollouts.js';
import { InvalidInputError } from '../spec/errors.js';
import { ChunkStats, type ChunkStatsData, FloatSeries } from './chunk-stats.js';
import { ObjectLine } from './object-line.js';

export interface ChunkMeasurement {
  readonly stats: ChunkStatsData;
  /** Lines that start in the range, blank ones included (all of them up to `failure`, if there is one). */
  readonly lines: number;
  /** hash53 of each group's prompt_id, and the group's line within the range (1-based), in file order. */
  readonly hashes: Float64Array;
  readonly groupLines: Float64Array;
  /** The first line the exact reader rejects (line within the range, 1-based); nothing after it was measured. */
  readonly failure?: { readonly line: number; readonly text: string };
  /** The one buffer every array above is a view of (given back to be reused once the chunk is merged). */
  readonly packed: Float64Array;
}

/** Gives the Float64Array a measurement is packed into (of at least `length` doubles). */
export type PackAllocator = (length: number) => Float64Array;

/** One per thread: keeps the scanner's model ids and buffers from chunk to chunk. */
export class ChunkMeasurer {
  private readonly scanner = new RolloutScanner();
  private readonly objects = new ObjectLine(this.scanner);
  private readonly referenceKey: number;

  constructor(reference: string | undefined) {
    this.referenceKey = reference === undefined ? -1 : this.scanner.intern(reference);
  }

  measure(lines: RangeLines, allocate: PackAllocator = (length) => new Float64Array(length)): ChunkMeasurement {
    const stats = new ChunkStats(this.referenceKey);
    const hashes = new FloatSeries(1024);
    const groupLines = new FloatSeries(1024);
    const scanner = this.scanner;
    const bytes = lines.bytes;
    let failure: { line: number; text: string } | undefined;
    const count = forEachLine(lines, (start, end, line) => {
      const kind = scanner.scan(bytes, start, end);
      if (kind === SCAN_BLANK) return;
      if (kind !== SCAN_FALLBACK) {
        if (kind === SCAN_GROUP) {
          hashes.push(scanner.idHash);
          groupLines.push(line);
          stats.addGroup(scanner);
        } else {
          stats.addPreferenceRecord(scanner);
        }
        return;
      }
      // The exact reader decides (its errors are rebuilt with the real line number by the caller).
      const text = bytes.toString('utf8', start, end);
      if (text.trim().length === 0) return;
      let record;
      try {
        record = parseRolloutLine(text, { file: '', line });
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        failure = { line, text };
        return false;
      }
      if (record.kind === 'group') {
        const group = record.group;
        hashes.push(hash53(group.prompt_id));
        groupLines.push(line);
        stats.addGroup(this.objects.fill(group.completions.length, group.scores, group.preference));
      } else {
        stats.addPreferenceRecord(this.objects.fill(2, record.record.scores, undefined));
      }
    });
    const groups = hashes.length;
    const packed = allocate(2 * groups + stats.packedLength());
    const packedHashes = packed.subarray(0, groups);
    packedHashes.set(hashes.view());
    const packedLines = packed.subarray(groups, 2 * groups);
    packedLines.set(groupLines.view());
    return { stats: stats.data(packed, 2 * groups), lines: count, hashes: packedHashes, groupLines: packedLines, failure, packed };
  }
}
