/**
 * The bootstrap's two inner loops as WebAssembly with SIMD, computing bit for bit what the JavaScript kernel in
 * bootstrap.ts computes:
 * - `draw2`, `draw4`: 2 or 4 independent xorshift32 streams (one per bootstrap chunk) stepped together in one
 *   i32x4 vector; each step adds one group index per stream to the counts, which are interleaved by stream (the
 *   Uint16 count of group i for stream c at 2 x (k x i + c)). The index is floor(uint32(state) x n / 2^32) as in
 *   JavaScript, computed as uint32(state) x (n x 2^-32): scaling by a power of two is exact and commutes with
 *   rounding, so the one multiplication rounds to the same double as JavaScript's multiplication and division.
 * - `dot{2,4}_{1..5}`: for the 2 or 4 streams' counts at once, the sums over groups of count x value for one block
 *   of up to five interleaved series: per group, the counts are loaded and converted once into doubles (two per
 *   vector, one stream per lane), and each series value is splatted against them. Each sum (one stream, one
 *   series) adds its terms in group order, one IEEE multiply and one IEEE add per term, as in JavaScript (core
 *   WebAssembly has no fused multiply-add).
 * The series sit in blocks of five without padding (nine series take nine doubles per group, not twelve), and a
 * block's 4 x 5 sums stay in registers.
 *
 * The module is assembled here from opcodes (it is small), so there is no binary file and no build step. Where
 * WebAssembly SIMD is missing, `createWasmBootstrap` returns undefined and the JavaScript kernel runs.
 */

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const EMPTY = 0x40;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_LOAD16_U = 0x2f;
const I32_STORE16 = 0x3b;
const I32_CONST = 0x41;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_SHL = 0x74;
const SIMD_PREFIX = 0xfd;
const V128_LOAD = 0x00;
const V128_LOAD16X4_U = 0x04;
const V128_LOAD64_SPLAT = 0x0a;
const V128_STORE = 0x0b;
const I8X16_SHUFFLE = 0x0d;
const I32X4_EXTRACT_LANE = 0x1b;
const F64X2_SPLAT = 0x14;
const V128_XOR = 0x51;
const I32X4_SHL = 0xab;
const I32X4_SHR_U = 0xad;
const F64X2_ADD = 0xf0;
const F64X2_MUL = 0xf2;
const I32X4_TRUNC_SAT_F64X2_U_ZERO = 0xfd;
const F64X2_CONVERT_LOW_I32X4_U = 0xff;

/** Series per block: with four streams, a block's 2 x 5 sum vectors, two count vectors and a value fit the registers. */
export const BLOCK_WIDTH = 5;
/** Lanes 2 and 3 of an i32x4 moved to lanes 0 and 1 (i8x16.shuffle's lane bytes). */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const text = (value: string): number[] => [...uleb(value.length), ...Array.from(value, (c) => c.charCodeAt(0))];
const simd = (code: number, ...rest: number[]): number[] => [SIMD_PREFIX, ...uleb(code), ...rest];
const memarg = (align: number, offset = 0): number[] => [...uleb(align), ...uleb(offset)];

interface FunctionBody {
  readonly name: string;
  readonly params: number[];
  readonly locals: Array<[count: number, type: number]>;
  readonly code: number[];
}

/** draw_k(counts, n, scale, states): n steps of k (2 or 4) streams (their i32 states: the vector at `states`). */
function drawFunction(k: 2 | 4): FunctionBody {
  // Params 0 counts, 1 n, 2 scale, 3 states; locals: 4 i, 5 address (i32); 6 state, 7 scale, 8 low, 9 high (v128).
  const [counts, n, scale, states, i, address, state, scales, low, high] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const code: number[] = [];
  code.push(LOCAL_GET, states, ...simd(V128_LOAD, ...memarg(4)), LOCAL_SET, state);
  code.push(LOCAL_GET, scale, ...simd(F64X2_SPLAT), LOCAL_SET, scales);
  code.push(I32_CONST, 0, LOCAL_SET, i, BLOCK, EMPTY, LOOP, EMPTY);
  code.push(LOCAL_GET, i, LOCAL_GET, n, I32_GE_U, BR_IF, 1);
  for (const [shift, kind] of [[13, I32X4_SHL], [17, I32X4_SHR_U], [5, I32X4_SHL]] as const) {
    code.push(LOCAL_GET, state, LOCAL_GET, state, I32_CONST, ...sleb(shift), ...simd(kind), ...simd(V128_XOR), LOCAL_SET, state);
  }
  const indices = (source: number[], into: number) => code.push(...source, ...simd(F64X2_CONVERT_LOW_I32X4_U), LOCAL_GET, scales, ...simd(F64X2_MUL), ...simd(I32X4_TRUNC_SAT_F64X2_U_ZERO), LOCAL_SET, into);
  indices([LOCAL_GET, state], low);
  if (k === 4) indices([LOCAL_GET, state, LOCAL_GET, state, ...simd(I8X16_SHUFFLE, ...HIGH_HALF)], high);
  for (let c = 0; c < k; c++) {
    code.push(LOCAL_GET, counts, LOCAL_GET, c < 2 ? low : high, ...simd(I32X4_EXTRACT_LANE, c & 1), I32_CONST, k === 4 ? 3 : 2, I32_SHL, I32_ADD, LOCAL_TEE, address);
    code.push(LOCAL_GET, address, I32_LOAD16_U, ...memarg(1, 2 * c), I32_CONST, 1, I32_ADD, I32_STORE16, ...memarg(1, 2 * c));
  }
  code.push(LOCAL_GET, i, I32_CONST, 1, I32_ADD, LOCAL_SET, i, BR, 0, END, END);
  code.push(LOCAL_GET, states, LOCAL_GET, state, ...simd(V128_STORE, ...memarg(4)));
  return { name: `draw${k}`, params: [I32, I32, F64, I32], locals: [[2, I32], [4, V128]], code };
}

/**
 * dot_k_w(counts, block, n, out): for a block of w interleaved series and k (2 or 4) streams' interleaved counts,
 * out[k x s + c] = sum over i of count_c[i] x block[w x i + s] (doubles; vector j of series s holds streams 2j, 2j+1).
 */
function dotFunction(k: 2 | 4, w: number): FunctionBody {
  // Params 0 counts, 1 block, 2 n, 3 out; local 4 i (i32); v128 locals: 5 widened counts, 6 value, 7.. the
  // count vectors (k / 2), then the sums (w x k / 2).
  const [counts, block, n, out, i, widened, value] = [0, 1, 2, 3, 4, 5, 6];
  const vectors = k / 2;
  const countVector = (j: number) => 7 + j;
  const sum = (s: number, j: number) => 7 + vectors + s * vectors + j;
  const code: number[] = [];
  code.push(I32_CONST, 0, LOCAL_SET, i, BLOCK, EMPTY, LOOP, EMPTY);
  code.push(LOCAL_GET, i, LOCAL_GET, n, I32_GE_U, BR_IF, 1);
  // Four Uint16 counts widened to an i32x4 (with two streams, the other two lanes are the next group's: unused).
  code.push(LOCAL_GET, counts, ...simd(V128_LOAD16X4_U, ...memarg(3)), LOCAL_SET, widened);
  code.push(LOCAL_GET, widened, ...simd(F64X2_CONVERT_LOW_I32X4_U), LOCAL_SET, countVector(0));
  if (k === 4) code.push(LOCAL_GET, widened, LOCAL_GET, widened, ...simd(I8X16_SHUFFLE, ...HIGH_HALF), ...simd(F64X2_CONVERT_LOW_I32X4_U), LOCAL_SET, countVector(1));
  for (let s = 0; s < w; s++) {
    code.push(LOCAL_GET, block, ...simd(V128_LOAD64_SPLAT, ...memarg(3, 8 * s)), LOCAL_SET, value);
    for (let j = 0; j < vectors; j++) {
      code.push(LOCAL_GET, sum(s, j), LOCAL_GET, countVector(j), LOCAL_GET, value, ...simd(F64X2_MUL), ...simd(F64X2_ADD), LOCAL_SET, sum(s, j));
    }
  }
  code.push(LOCAL_GET, counts, I32_CONST, 2 * k, I32_ADD, LOCAL_SET, counts);
  code.push(LOCAL_GET, block, I32_CONST, ...sleb(8 * w), I32_ADD, LOCAL_SET, block);
  code.push(LOCAL_GET, i, I32_CONST, 1, I32_ADD, LOCAL_SET, i, BR, 0, END, END);
  for (let s = 0; s < w; s++) {
    for (let j = 0; j < vectors; j++) code.push(LOCAL_GET, out, LOCAL_GET, sum(s, j), ...simd(V128_STORE, ...memarg(4, 8 * (k * s + 2 * j))));
  }
  return { name: `dot${k}_${w}`, params: [I32, I32, I32, I32], locals: [[1, I32], [2 + vectors + w * vectors, V128]], code };
}

const KERNEL_FUNCTIONS: readonly FunctionBody[] = [
  drawFunction(2),
  drawFunction(4),
  ...[2, 4].flatMap((k) => Array.from({ length: BLOCK_WIDTH }, (_, w) => dotFunction(k as 2 | 4, w + 1))),
];

/**
 * The module's bytes: memory imported as env.memory, the draw and dot functions exported. A `shared` module
 * imports a shared memory (threads proposal: declared with a maximum), which several threads' instances use at
 * once: one copy of the series for every thread, each thread with its own scratch region.
 */
export function bootstrapModuleBytes(shared = false): Uint8Array {
  const functions = KERNEL_FUNCTIONS;
  const types = functions.map((fn) => [0x60, ...vector(fn.params.map((type) => [type])), 0]);
  const limits = shared ? [0x03, ...uleb(1), ...uleb(MAX_PAGES)] : [0x00, 1];
  const imports = [[...text('env'), ...text('memory'), 0x02, ...limits]];
  const exports = functions.map((fn, index) => [...text(fn.name), 0x00, ...uleb(index)]);
  const bodies = functions.map((fn) => {
    const body = [...vector(fn.locals.map(([count, type]) => [...uleb(count), type])), ...fn.code, END];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(functions.map((_, index) => uleb(index)))),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}

/** The few WebAssembly APIs used here (the project's TypeScript libraries do not declare them). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

type Draw = (counts: number, n: number, scale: number, states: number) => void;
type Dot = (counts: number, block: number, n: number, out: number) => void;

const PAGE = 65536;
const MAX_PAGES = 65536;
const align = (value: number, to: number) => Math.ceil(value / to) * to;

/** Where a bootstrap's series sit in a module memory: `seriesCount` series of n values in blocks from `blocksAt`. */
export interface BootstrapLayout {
  readonly n: number;
  readonly seriesCount: number;
  readonly blocksAt: number;
}

/** The widths of the blocks `seriesCount` series take (five series each, the last one what is left). */
function blockWidths(seriesCount: number): number[] {
  return Array.from({ length: Math.ceil(seriesCount / BLOCK_WIDTH) }, (_, b) => Math.min(BLOCK_WIDTH, seriesCount - b * BLOCK_WIDTH));
}

/** Byte offset of each block from `blocksAt`, and the bytes of all of them. */
function blockOffsets(n: number, seriesCount: number): { offsets: number[]; bytes: number } {
  const offsets: number[] = [];
  let bytes = 0;
  for (const width of blockWidths(seriesCount)) {
    offsets.push(bytes);
    bytes += align(n * width * 8, 16);
  }
  return { offsets, bytes };
}

/** Bytes of one thread's scratch: the four generator states, the interleaved counts (one group spare), the sums. */
function scratchBytes(n: number, seriesCount: number): number {
  return align(64 + align(8 * (n + 1), 16) + blockWidths(seriesCount).length * 4 * BLOCK_WIDTH * 8, 64);
}

/** Writes the series into the module memory's blocks (series s at lane s mod 5 of block floor(s / 5)). */
function writeBlocks(doubles: Float64Array, layout: BootstrapLayout, valueOf: (s: number, i: number) => number): void {
  const { n, seriesCount, blocksAt } = layout;
  const { offsets } = blockOffsets(n, seriesCount);
  blockWidths(seriesCount).forEach((width, b) => {
    const base = (blocksAt + offsets[b]) / 8;
    for (let lane = 0; lane < width; lane++) {
      const s = b * BLOCK_WIDTH + lane;
      for (let i = 0, at = base + lane; i < n; i++, at += width) doubles[at] = valueOf(s, i);
    }
  });
}

/** A shared memory holding the series once (in blocks of five) and a scratch per thread. */
export interface SharedBootstrapMemory {
  readonly memory: WasmMemory;
  readonly layout: BootstrapLayout;
  /** Scratch offset of each thread. */
  readonly scratch: readonly number[];
}

/** The series written straight into a shared module memory; undefined without shared WebAssembly memory. */
export function sharedBootstrapMemory(series: ReadonlyArray<ArrayLike<number>>, threads: number): SharedBootstrapMemory | undefined {
  if (!wasm || !sharedModule()) return undefined;
  const n = series[0]?.length ?? 0;
  const perThread = scratchBytes(n, series.length);
  const scratch = Array.from({ length: threads }, (_, thread) => thread * perThread);
  const blocksAt = threads * perThread;
  const needed = blocksAt + blockOffsets(n, series.length).bytes;
  const pages = Math.max(1, Math.ceil(needed / PAGE));
  if (pages > MAX_PAGES) return undefined;
  let memory: WasmMemory;
  try {
    memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return undefined;
  }
  const layout: BootstrapLayout = { n, seriesCount: series.length, blocksAt };
  writeBlocks(new Float64Array(memory.buffer), layout, (s, i) => series[s][i]);
  return { memory, layout, scratch };
}

/** Runs the bootstrap chunks of bootstrap.ts on the WebAssembly kernel; see `chunkMeans`. */
export class WasmBootstrap {
  private readonly draw: Record<2 | 4, Draw>;
  private readonly dot: Record<2 | 4, Dot[]>;
  private loaded: readonly unknown[] | undefined;
  private layout: BootstrapLayout = { n: 0, seriesCount: 0, blocksAt: 0 };

  constructor(api: WasmApi, module: object, private readonly memory: WasmMemory) {
    const exports = new api.Instance(module, { env: { memory } }).exports;
    this.draw = { 2: exports.draw2 as Draw, 4: exports.draw4 as Draw };
    const dots = (k: number) => Array.from({ length: BLOCK_WIDTH + 1 }, (_, w) => exports[`dot${k}_${w}`] as Dot);
    this.dot = { 2: dots(2), 4: dots(4) };
  }

  /**
   * Copies series given as bootstrap.ts's blocks of four (`interleaveSeries`) into the module's own memory, in its
   * blocks of five after one scratch region (once per set of blocks).
   */
  private load(source: readonly Float64Array[] | ReadonlyArray<ArrayLike<number>>, seriesCount: number, n: number, planar: boolean): void {
    if (this.loaded === source && this.layout.n === n && this.layout.seriesCount === seriesCount) return;
    const blocksAt = scratchBytes(n, seriesCount);
    const needed = blocksAt + blockOffsets(n, seriesCount).bytes;
    if (this.memory.buffer.byteLength < needed) this.memory.grow(Math.ceil((needed - this.memory.buffer.byteLength) / PAGE));
    this.layout = { n, seriesCount, blocksAt };
    writeBlocks(new Float64Array(this.memory.buffer), this.layout, planar ? (s, i) => source[s][i] : (s, i) => source[s >> 2][i * 4 + (s & 3)]);
    this.loaded = source;
  }

  /** `chunkMeans` of the series themselves (one array each), without bootstrap.ts's blocks of four. */
  chunkMeansOfSeries(series: ReadonlyArray<ArrayLike<number>>, n: number, states: readonly number[], counts: readonly number[]): Float64Array[][] {
    this.load(series, series.length, n, true);
    return this.chunkMeansAt(this.layout, 0, series.length, states, counts);
  }

  /**
   * The means of up to four bootstrap chunks at once: `states[c]` is chunk c's generator state, `counts[c]` its
   * number of resamples (in decreasing order: only a run's last chunk is shorter). Returns out[c][s][b].
   */
  chunkMeans(blocks: readonly Float64Array[], seriesCount: number, n: number, states: readonly number[], counts: readonly number[]): Float64Array[][] {
    this.load(blocks, seriesCount, n, false);
    return this.chunkMeansAt(this.layout, 0, seriesCount, states, counts);
  }

  /** `chunkMeans` on series already in this module's memory (a shared one), with the scratch at `scratchAt`. */
  chunkMeansAt(layout: BootstrapLayout, scratchAt: number, seriesCount: number, states: readonly number[], counts: readonly number[]): Float64Array[][] {
    const { n, blocksAt } = layout;
    if (states.length > 4) throw new RangeError('bootstrap: at most four chunks at once');
    const countsAt = scratchAt + 64;
    const sumsAt = countsAt + align(8 * (n + 1), 16);
    const widths = blockWidths(seriesCount);
    const { offsets } = blockOffsets(n, seriesCount);
    const chains = states.length;
    const result = counts.map((count) => Array.from({ length: seriesCount }, () => new Float64Array(count)));
    const memory = this.memory.buffer;
    const stateView = new Int32Array(memory, scratchAt, 4);
    const countView = new Uint16Array(memory, countsAt, 4 * (n + 1));
    const sums = new Float64Array(memory, sumsAt, widths.length * 4 * BLOCK_WIDTH);
    // Streams past the chunks given run along in the spare lanes (from a fixed non-zero state); nothing reads them.
    for (let c = 0; c < 4; c++) stateView[c] = c < chains ? states[c] : 0x2545f491;
    const rounds = Math.max(0, ...counts);
    const scale = n / 4294967296;
    for (let b = 0; b < rounds; b++) {
      let active = 0;
      while (active < chains && counts[active] > b) active++;
      // The active chunks are the first ones (decreasing counts): two lanes for one or two, four for three or four.
      const k = active > 2 ? 4 : 2;
      countView.fill(0, 0, k * (n + 1));
      this.draw[k](countsAt, n, scale, scratchAt);
      widths.forEach((width, block) => this.dot[k][width](countsAt, blocksAt + offsets[block], n, sumsAt + block * 4 * BLOCK_WIDTH * 8));
      for (let c = 0; c < active; c++) {
        for (let s = 0; s < seriesCount; s++) {
          const block = Math.floor(s / BLOCK_WIDTH);
          result[c][s][b] = sums[block * 4 * BLOCK_WIDTH + k * (s - block * BLOCK_WIDTH) + c] / n;
        }
      }
    }
    return result;
  }
}

let compiled: object | null | undefined;
let compiledShared: object | null | undefined;

function compile(shared: boolean): object | null {
  try {
    return wasm ? new wasm.Module(bootstrapModuleBytes(shared)) : null;
  } catch {
    return null;
  }
}

function sharedModule(): object | null {
  if (compiledShared === undefined) compiledShared = compile(true);
  return compiledShared;
}

/**
 * The WebAssembly kernel, or undefined where WebAssembly SIMD is not available: on its own memory, or on a shared
 * memory made by `sharedBootstrapMemory` (on any thread it was posted to).
 */
export function createWasmBootstrap(memory?: WasmMemory): WasmBootstrap | undefined {
  if (memory) {
    const module = sharedModule();
    return module && wasm ? new WasmBootstrap(wasm, module, memory) : undefined;
  }
  if (compiled === undefined) compiled = compile(false);
  return compiled && wasm ? new WasmBootstrap(wasm, compiled, new wasm.Memory({ initial: 1 })) : undefined;
}
