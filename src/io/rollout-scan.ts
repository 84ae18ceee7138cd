/**
 * A fast, validating scanner for the lines of a rollouts file that the statistics need: it reads the raw UTF-8
 * bytes of one line and extracts only the prompt_id (as its hash), the number of completions and every score,
 * without building the line's objects and strings. It is an accelerator, never a second validator: it accepts a
 * line only when it is sure that `parseRolloutLine` (src/io/rollouts.ts) accepts it and reads the same values from
 * it, and answers `SCAN_FALLBACK` for anything else (a syntax error, NaN, an unusual type, escapes in keys,
 * duplicate keys, deep nesting, a field it does not know how to check), so the caller runs the exact reader on that
 * line and every error message stays what it was.
 *
 * Why the values are the same:
 * - JSON syntax is checked byte by byte with the grammar JSON.parse implements (strings: no raw control
 *   characters, only the JSON escapes; numbers: the JSON number grammar; only JSON whitespace between tokens).
 *   UTF-8 decoding never changes an ASCII byte, so the structure seen in the bytes is the structure of the text.
 * - Numbers are converted exactly: a decimal with at most 15 significant digits and a power of ten within 10^22 is
 *   one correctly rounded IEEE division or multiplication of two exact doubles (Clinger's fast path), which is the
 *   correctly rounded value JSON.parse gives; any other number goes through `Number()`, also correctly rounded.
 * - Model ids come out in the order `for...in` visits them: integer-like keys (which V8 visits first) and repeated
 *   keys are left to the exact reader.
 */
import { GROUP_FIELDS, PREFERENCE_FIELDS } from './rollouts.js';
import { hash53, hash53Bytes } from './id-set.js';

/** `scan` results. */
export const SCAN_FALLBACK = -1;
export const SCAN_BLANK = 0;
export const SCAN_GROUP = 1;
export const SCAN_PREFERENCE = 2;
export type ScanKind = typeof SCAN_FALLBACK | typeof SCAN_BLANK | typeof SCAN_GROUP | typeof SCAN_PREFERENCE;

/** Nesting the scanner follows itself inside pass-through fields; deeper lines go to the exact reader. */
const MAX_SCAN_DEPTH = 64;

// Top-level keys, by code.
const KEY_OTHER = 0;
const KEY_PROMPT_ID = 1;
const KEY_PROMPT = 2;
const KEY_COMPLETIONS = 3;
const KEY_SCORES = 4;
const KEY_PREFERENCE = 5;
const KEY_CHOSEN = 6;
const KEY_REJECTED = 7;
/** A key the exact reader knows but this scanner does not check: the whole line goes to the exact reader. */
const KEY_UNHANDLED = 8;

const HANDLED_KEYS: ReadonlyArray<[string, number]> = [
  ['prompt_id', KEY_PROMPT_ID],
  ['prompt', KEY_PROMPT],
  ['completions', KEY_COMPLETIONS],
  ['scores', KEY_SCORES],
  ['preference', KEY_PREFERENCE],
  ['chosen', KEY_CHOSEN],
  ['rejected', KEY_REJECTED],
];

/** Every key the exact reader gives a meaning to, with its code here (KEY_UNHANDLED for ones added there later). */
const KNOWN_KEYS: ReadonlyArray<{ bytes: Uint8Array; code: number }> = [...new Set([...GROUP_FIELDS, ...PREFERENCE_FIELDS, ...HANDLED_KEYS.map(([key]) => key)])].map((key) => ({
  bytes: Buffer.from(key, 'latin1'),
  code: HANDLED_KEYS.find(([name]) => name === key)?.[1] ?? KEY_UNHANDLED,
}));

/** Exact powers of ten (10^22 is the largest a double holds exactly). */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);

function bytesEqual(bytes: Uint8Array, buffer: Uint8Array, start: number, end: number): boolean {
  if (bytes.length !== end - start) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== buffer[start + i]) return false;
  return true;
}

/** Bytes a string scan must stop at: control characters, the quote, the backslash, and non-ASCII (noted). */
const STRING_BYTE = Uint8Array.from({ length: 256 }, (_, c) => (c < 32 || c === 34 || c === 92 || c >= 128 ? 1 : 0));

const isWhitespace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * One scanner per thread; it reuses its buffers from line to line. After `scan` returns SCAN_GROUP or
 * SCAN_PREFERENCE, the fields below describe the line until the next call.
 */
export class RolloutScanner {
  /** Model ids seen so far, by index (`scoreModel` and `preferenceModel` hold indices into this). */
  readonly ids: string[] = [];
  private readonly idBytes: Array<Uint8Array | undefined> = [];
  private readonly idIndex = new Map<string, number>();
  private seenStamp = new Int32Array(16);
  private stamp = 0;

  /** Hash (hash53) of the group's prompt_id. */
  idHash = 0;
  /** Completions of the group. */
  completions = 0;
  /** Score tables of the group (`scores`), in `for...in` order: model index, first value, count. */
  scoreCount = 0;
  scoreModel = new Int32Array(8);
  scoreStart = new Int32Array(8);
  scoreLength = new Int32Array(8);
  /** Every number of every score table (groups: `scores`; preference records: `scores` as well). */
  values = new Float64Array(256);
  valueCount = 0;
  /** Whether a group carries a `preference`, and its score pairs (model index, chosen, rejected). */
  hasPreference = false;
  preferenceCount = 0;
  preferenceModel = new Int32Array(8);
  preferenceChosen = new Float64Array(8);
  preferenceRejected = new Float64Array(8);

  // Scratch of the line being scanned.
  private buffer: Uint8Array = new Uint8Array(0);
  private end = 0;
  private stringAscii = true;
  private stringEscaped = false;
  private readonly containers = new Uint8Array(MAX_SCAN_DEPTH);
  /** Per table position, the model index found there on the previous line (group tables, preference tables). */
  private readonly lastScoreSlots: number[] = [];
  private readonly lastPairSlots: number[] = [];

  /** Index of a model id, added on first sight. */
  intern(id: string): number {
    let index = this.idIndex.get(id);
    if (index === undefined) {
      index = this.ids.length;
      this.ids.push(id);
      this.idBytes.push(undefined);
      this.idIndex.set(id, index);
      if (this.seenStamp.length < this.ids.length) {
        const grown = new Int32Array(this.seenStamp.length * 2);
        grown.set(this.seenStamp);
        this.seenStamp = grown;
      }
    }
    return index;
  }

  /**
   * Scans bytes [start, end) of `buffer` (one line, without its line ending). Returns SCAN_BLANK for a line of
   * JSON whitespace, SCAN_GROUP or SCAN_PREFERENCE for a line the exact reader accepts with these values, and
   * SCAN_FALLBACK when the exact reader must decide.
   */
  scan(buffer: Uint8Array, start: number, end: number): ScanKind {
    this.buffer = buffer;
    this.end = end;
    this.stamp++;
    this.scoreCount = 0;
    this.valueCount = 0;
    this.hasPreference = false;
    this.preferenceCount = 0;
    this.completions = -1;
    let i = this.skipWhitespace(start);
    if (i === end) return SCAN_BLANK;
    if (buffer[i] !== 123) return SCAN_FALLBACK;
    let seen = 0; // bit per handled key
    let promptIdAscii = true;
    let promptIdStart = 0;
    let promptIdEnd = 0;
    i = this.skipWhitespace(i + 1);
    if (i < end && buffer[i] === 125) {
      i++;
    } else {
      for (;;) {
        if (i >= end || buffer[i] !== 34) return SCAN_FALLBACK;
        const keyStart = i;
        i = this.scanString(i);
        if (i < 0 || this.stringEscaped) return SCAN_FALLBACK;
        const code = this.stringAscii ? this.topKeyCode(keyStart + 1, i - 1) : KEY_OTHER;
        if (code === KEY_UNHANDLED) return SCAN_FALLBACK;
        if (code !== KEY_OTHER) {
          if (seen & (1 << code)) return SCAN_FALLBACK;
          seen |= 1 << code;
        }
        i = this.skipWhitespace(i);
        if (i >= end || buffer[i] !== 58) return SCAN_FALLBACK;
        i = this.skipWhitespace(i + 1);
        if (i >= end) return SCAN_FALLBACK;
        switch (code) {
          case KEY_PROMPT_ID:
            if (buffer[i] !== 34) return SCAN_FALLBACK;
            promptIdStart = i;
            i = this.scanString(i);
            if (i < 0) return SCAN_FALLBACK;
            promptIdEnd = i;
            promptIdAscii = this.stringAscii && !this.stringEscaped;
            break;
          case KEY_PROMPT:
          case KEY_CHOSEN:
          case KEY_REJECTED:
            if (buffer[i] !== 34) return SCAN_FALLBACK;
            i = this.scanString(i);
            break;
          case KEY_COMPLETIONS:
            i = this.scanStringArray(i);
            break;
          case KEY_SCORES:
            i = this.scanScoreTable(i, false);
            break;
          case KEY_PREFERENCE:
            i = this.scanPreference(i);
            break;
          default:
            i = this.skipValue(i, 2);
        }
        if (i < 0) return SCAN_FALLBACK;
        i = this.skipWhitespace(i);
        if (i >= end) return SCAN_FALLBACK;
        const c = buffer[i];
        if (c === 44) {
          i = this.skipWhitespace(i + 1);
          continue;
        }
        if (c !== 125) return SCAN_FALLBACK;
        i++;
        break;
      }
    }
    if (this.skipWhitespace(i) !== end) return SCAN_FALLBACK;

    const has = (code: number) => (seen & (1 << code)) !== 0;
    if (!has(KEY_COMPLETIONS)) {
      // A preference record: prompt, chosen and rejected are strings (checked above), scores are pairs.
      if (!has(KEY_CHOSEN) || !has(KEY_REJECTED) || !has(KEY_PROMPT)) return SCAN_FALLBACK;
      for (let k = 0; k < this.scoreCount; k++) if (this.scoreLength[k] !== 2) return SCAN_FALLBACK;
      // `prompt_id` and `preference` are pass-through fields of a preference record: their values were checked
      // to be valid JSON above, and the preference's scores must not count as this record's.
      this.hasPreference = false;
      this.preferenceCount = 0;
      return SCAN_PREFERENCE;
    }
    if (!has(KEY_PROMPT_ID) || !has(KEY_PROMPT)) return SCAN_FALLBACK;
    if (promptIdEnd - promptIdStart <= 2) return SCAN_FALLBACK; // empty: the exact reader names the error
    const n = this.completions;
    for (let k = 0; k < this.scoreCount; k++) if (this.scoreLength[k] !== n) return SCAN_FALLBACK;
    this.idHash = promptIdAscii ? hash53Bytes(buffer, promptIdStart + 1, promptIdEnd - 1) : hash53(this.decodeString(promptIdStart, promptIdEnd));
    return SCAN_GROUP;
  }

  private skipWhitespace(i: number): number {
    const buffer = this.buffer;
    const end = this.end;
    while (i < end && isWhitespace(buffer[i])) i++;
    return i;
  }

  /** The code of a top-level key (bytes [start, end), ASCII, no escapes). */
  private topKeyCode(start: number, end: number): number {
    for (const key of KNOWN_KEYS) if (bytesEqual(key.bytes, this.buffer, start, end)) return key.code;
    return KEY_OTHER;
  }

  /** The text of a string token [start, end) (quotes included), decoded as JSON.parse would. */
  private decodeString(start: number, end: number): string {
    return JSON.parse(Buffer.from(this.buffer.buffer, this.buffer.byteOffset + start, end - start).toString('utf8')) as string;
  }

  /**
   * Scans the string token at `i` (an opening quote). Returns the index after the closing quote, or -1 if the
   * token is not a JSON string. Sets `stringAscii` and `stringEscaped`.
   */
  private scanString(i: number): number {
    const buffer = this.buffer;
    const end = this.end;
    let ascii = true;
    let escaped = false;
    i++;
    for (;;) {
      while (i < end && STRING_BYTE[buffer[i]] === 0) i++;
      if (i >= end) return -1;
      const c = buffer[i];
      if (c === 34) break;
      if (c >= 128) {
        ascii = false;
        i++;
        continue;
      }
      if (c !== 92) return -1; // a raw control character
      escaped = true;
      if (i + 1 >= end) return -1;
      const e = buffer[i + 1];
      if (e === 117) {
        if (i + 5 >= end || !isHex(buffer[i + 2]) || !isHex(buffer[i + 3]) || !isHex(buffer[i + 4]) || !isHex(buffer[i + 5])) return -1;
        i += 6;
      } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
        i += 2;
      } else {
        return -1;
      }
    }
    this.stringAscii = ascii;
    this.stringEscaped = escaped;
    return i + 1;
  }

  /** `completions`: an array of strings. Sets `completions`. */
  private scanStringArray(i: number): number {
    const buffer = this.buffer;
    if (buffer[i] !== 91) return -1;
    i = this.skipWhitespace(i + 1);
    let count = 0;
    if (i < this.end && buffer[i] === 93) {
      this.completions = 0;
      return i + 1;
    }
    for (;;) {
      if (i >= this.end || buffer[i] !== 34) return -1;
      i = this.scanString(i);
      if (i < 0) return -1;
      count++;
      i = this.skipWhitespace(i);
      if (i >= this.end) return -1;
      const c = buffer[i];
      if (c === 44) {
        i = this.skipWhitespace(i + 1);
        continue;
      }
      if (c !== 93) return -1;
      this.completions = count;
      return i + 1;
    }
  }

  /**
   * The JSON number at `i`; returns the index after it or -1 (not a JSON number, or not finite). With `store`, the
   * value is appended to `values`.
   */
  private scanNumber(i: number, store: boolean): number {
    const buffer = this.buffer;
    const end = this.end;
    const start = i;
    let c = buffer[i];
    const negative = c === 45;
    if (negative) {
      if (++i >= end) return -1;
      c = buffer[i];
    }
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    if (c === 48) {
      i++;
    } else if (c >= 49 && c <= 57) {
      do {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        i++;
      } while (i < end && (c = buffer[i]) >= 48 && c <= 57);
    } else {
      return -1;
    }
    if (i < end && buffer[i] === 46) {
      if (++i >= end || (c = buffer[i]) < 48 || c > 57) return -1;
      do {
        mantissa = mantissa * 10 + (c - 48);
        if (mantissa !== 0) digits++;
        scale--;
        i++;
      } while (i < end && (c = buffer[i]) >= 48 && c <= 57);
    }
    if (i < end && ((c = buffer[i]) === 101 || c === 69)) {
      if (++i >= end) return -1;
      c = buffer[i];
      const exponentNegative = c === 45;
      if (c === 43 || c === 45) {
        if (++i >= end) return -1;
        c = buffer[i];
      }
      if (c < 48 || c > 57) return -1;
      let exponent = 0;
      do {
        if (exponent < 100_000) exponent = exponent * 10 + (c - 48);
        i++;
      } while (i < end && (c = buffer[i]) >= 48 && c <= 57);
      scale += exponentNegative ? -exponent : exponent;
    }
    let value: number;
    if (digits <= 15 && scale >= -22 && scale <= 22) {
      value = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
      if (negative) value = -value;
    } else {
      value = Number(Buffer.from(buffer.buffer, buffer.byteOffset + start, i - start).toString('latin1'));
      if (!Number.isFinite(value)) return -1;
    }
    if (store) {
      if (this.valueCount === this.values.length) this.growValues();
      this.values[this.valueCount++] = value;
    }
    return i;
  }

  /**
   * A score table `{id: [numbers], ...}` at `i`. Group tables (`pairs` false) go to `scoreModel`/`values`; the
   * preference's (`pairs` true) to `preferenceModel`/`preferenceChosen`/`preferenceRejected` (exactly two each).
   */
  private scanScoreTable(i: number, pairs: boolean): number {
    const buffer = this.buffer;
    if (buffer[i] !== 123) return -1;
    i = this.skipWhitespace(i + 1);
    if (i < this.end && buffer[i] === 125) return i + 1;
    for (let slot = 0; ; slot++) {
      if (i >= this.end || buffer[i] !== 34) return -1;
      const keyStart = i;
      i = this.scanString(i);
      if (i < 0) return -1;
      const model = this.modelIndex(keyStart, i, slot, pairs ? this.lastPairSlots : this.lastScoreSlots);
      if (model < 0) return -1;
      if (this.seenStamp[model] === (pairs ? -this.stamp : this.stamp)) return -1; // a repeated key: last one wins there
      this.seenStamp[model] = pairs ? -this.stamp : this.stamp;
      i = this.skipWhitespace(i);
      if (i >= this.end || buffer[i] !== 58) return -1;
      i = this.skipWhitespace(i + 1);
      if (i >= this.end || buffer[i] !== 91) return -1;
      i = this.skipWhitespace(i + 1);
      const first = this.valueCount;
      if (i < this.end && buffer[i] === 93) {
        i++;
      } else {
        for (;;) {
          if (i >= this.end) return -1;
          i = this.scanNumber(i, true);
          if (i < 0) return -1;
          i = this.skipWhitespace(i);
          if (i >= this.end) return -1;
          const c = buffer[i];
          if (c === 44) {
            i = this.skipWhitespace(i + 1);
            continue;
          }
          if (c !== 93) return -1;
          i++;
          break;
        }
      }
      const length = this.valueCount - first;
      if (pairs) {
        if (length !== 2) return -1;
        this.pushPreference(model, this.values[first], this.values[first + 1]);
        this.valueCount = first;
      } else {
        this.pushScores(model, first, length);
      }
      i = this.skipWhitespace(i);
      if (i >= this.end) return -1;
      const c = buffer[i];
      if (c === 44) {
        i = this.skipWhitespace(i + 1);
        continue;
      }
      if (c !== 125) return -1;
      return i + 1;
    }
  }

  /** A group's `preference` object: chosen and rejected strings, optional score pairs, pass-through fields. */
  private scanPreference(i: number): number {
    const buffer = this.buffer;
    if (buffer[i] !== 123) return -1;
    let seen = 0;
    i = this.skipWhitespace(i + 1);
    if (i < this.end && buffer[i] === 125) return -1; // no chosen/rejected: the exact reader names it
    for (;;) {
      if (i >= this.end || buffer[i] !== 34) return -1;
      const keyStart = i;
      i = this.scanString(i);
      if (i < 0 || this.stringEscaped) return -1;
      const code = this.stringAscii ? this.topKeyCode(keyStart + 1, i - 1) : KEY_OTHER;
      if (code === KEY_UNHANDLED) return -1;
      if (code === KEY_CHOSEN || code === KEY_REJECTED || code === KEY_SCORES) {
        if (seen & (1 << code)) return -1;
        seen |= 1 << code;
      }
      i = this.skipWhitespace(i);
      if (i >= this.end || buffer[i] !== 58) return -1;
      i = this.skipWhitespace(i + 1);
      if (i >= this.end) return -1;
      if (code === KEY_CHOSEN || code === KEY_REJECTED) {
        if (buffer[i] !== 34) return -1;
        i = this.scanString(i);
      } else if (code === KEY_SCORES) {
        i = this.scanScoreTable(i, true);
      } else {
        i = this.skipValue(i, 3);
      }
      if (i < 0) return -1;
      i = this.skipWhitespace(i);
      if (i >= this.end) return -1;
      const c = buffer[i];
      if (c === 44) {
        i = this.skipWhitespace(i + 1);
        continue;
      }
      if (c !== 125) return -1;
      if (!(seen & (1 << KEY_CHOSEN)) || !(seen & (1 << KEY_REJECTED))) return -1;
      this.hasPreference = true;
      return i + 1;
    }
  }

  /** Any JSON value at `i` (a pass-through field at nesting `depth`), checked for syntax; -1 if invalid or deep. */
  private skipValue(i: number, depth: number): number {
    const buffer = this.buffer;
    const end = this.end;
    // Iterative, with the open containers on a small stack (1 = object), so nesting cannot overflow the call stack.
    const stack = this.containers;
    let open = 0;
    for (;;) {
      // A value at `i`.
      i = this.skipWhitespace(i);
      if (i >= end) return -1;
      const c = buffer[i];
      if (c === 34) {
        i = this.scanString(i);
      } else if (c === 123 || c === 91) {
        if (depth + open >= MAX_SCAN_DEPTH) return -1;
        i = this.skipWhitespace(i + 1);
        if (i < end && buffer[i] === (c === 123 ? 125 : 93)) {
          i++;
        } else {
          stack[open++] = c === 123 ? 1 : 0;
          if (c === 123) {
            i = this.objectKey(i);
            if (i < 0) return -1;
          }
          continue;
        }
      } else if (c === 116) {
        i = this.literal(i, 'true');
      } else if (c === 102) {
        i = this.literal(i, 'false');
      } else if (c === 110) {
        i = this.literal(i, 'null');
      } else {
        i = this.scanNumber(i, false);
      }
      if (i < 0) return -1;
      // After a value: close containers or move to the next element.
      for (;;) {
        if (open === 0) return i;
        i = this.skipWhitespace(i);
        if (i >= end) return -1;
        const inObject = stack[open - 1] === 1;
        const d = buffer[i];
        if (d === 44) {
          i++;
          if (inObject) {
            i = this.objectKey(this.skipWhitespace(i));
            if (i < 0) return -1;
          }
          break;
        }
        if (d !== (inObject ? 125 : 93)) return -1;
        i++;
        open--;
      }
    }
  }

  /** `"key":` at `i`; returns the index after the colon or -1. */
  private objectKey(i: number): number {
    if (i >= this.end || this.buffer[i] !== 34) return -1;
    i = this.scanString(i);
    if (i < 0) return -1;
    i = this.skipWhitespace(i);
    if (i >= this.end || this.buffer[i] !== 58) return -1;
    return i + 1;
  }

  private literal(i: number, word: string): number {
    if (i + word.length > this.end) return -1;
    for (let k = 0; k < word.length; k++) if (this.buffer[i + k] !== word.charCodeAt(k)) return -1;
    return i + word.length;
  }

  /**
   * The model index of a score-table key token [start, end) (quotes included), or -1 for a key the exact reader
   * would visit out of textual order (integer-like). `slot` is the key's position in its table: the id found
   * there on the previous line is tried first, byte by byte, so a steady file allocates no strings.
   */
  private modelIndex(start: number, end: number, slot: number, lastSlots: number[]): number {
    const buffer = this.buffer;
    const plain = !this.stringEscaped;
    if (plain) {
      const guess = slot < lastSlots.length ? lastSlots[slot] : -1;
      if (guess >= 0) {
        const bytes = this.idBytes[guess];
        if (bytes !== undefined && bytesEqual(bytes, buffer, start + 1, end - 1)) return guess;
      }
    }
    const id = plain && this.stringAscii
      ? Buffer.from(buffer.buffer, buffer.byteOffset + start + 1, end - start - 2).toString('latin1')
      : this.decodeString(start, end);
    if (id.length > 0 && isDigit(id.charCodeAt(0))) return -1;
    const index = this.intern(id);
    if (plain && this.idBytes[index] === undefined) this.idBytes[index] = Uint8Array.from(buffer.subarray(start + 1, end - 1));
    if (plain) {
      while (lastSlots.length <= slot) lastSlots.push(-1);
      lastSlots[slot] = index;
    }
    return index;
  }

  private growValues(): void {
    this.values = grownFloat64(this.values);
  }

  private pushScores(model: number, first: number, length: number): void {
    if (this.scoreCount === this.scoreModel.length) {
      this.scoreModel = grownInt32(this.scoreModel);
      this.scoreStart = grownInt32(this.scoreStart);
      this.scoreLength = grownInt32(this.scoreLength);
    }
    this.scoreModel[this.scoreCount] = model;
    this.scoreStart[this.scoreCount] = first;
    this.scoreLength[this.scoreCount] = length;
    this.scoreCount++;
  }

  private pushPreference(model: number, chosen: number, rejected: number): void {
    if (this.preferenceCount === this.preferenceModel.length) {
      this.preferenceModel = grownInt32(this.preferenceModel);
      this.preferenceChosen = grownFloat64(this.preferenceChosen);
      this.preferenceRejected = grownFloat64(this.preferenceRejected);
    }
    this.preferenceModel[this.preferenceCount] = model;
    this.preferenceChosen[this.preferenceCount] = chosen;
    this.preferenceRejected[this.preferenceCount] = rejected;
    this.preferenceCount++;
  }
}

function grownInt32(array: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
}

function grownFloat64(array: Float64Array): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(array.length * 2);
  grown.set(array);
  return grown;
}
