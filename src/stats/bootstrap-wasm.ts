/**
 * The bootstrap's two inner loops as WebAssembly with SIMD (two doubles per instruction), computing bit for bit
 * what the JavaScript kernel in bootstrap.ts computes:
 * - `draw{1,2,4}`: 1, 2 or 4 independent xorshift32 streams (one per bootstrap chunk), each adding one group index
 *   per step to its own Uint16 count array. The index is floor(uint32(state) x n / 2^32) as in JavaScript,
 *   computed as uint32(state) x (n x 2^-32): scaling by a power of two is exact and commutes with rounding, so the
 *   one multiplication rounds to the same double as JavaScript's multiplication and division.
 * - `dot{1,2,4}`: for 1, 2 or 4 count arrays at once, the four sums over groups of count x value for one block of
 *   four interleaved series. Each sum adds its terms in group order, one IEEE multiply and one IEEE add per term,
 *   as in JavaScript (core WebAssembly has no fused multiply-add).
 * Several chunks at once is what makes it fast: their streams and sums are independent, so the processor overlaps
 * them, and one pass over the series serves them all.
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
const I32_LOAD = 0x28;
const I32_LOAD16_U = 0x2f;
const I32_STORE = 0x36;
const I32_STORE16 = 0x3b;
const I32_CONST = 0x41;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_XOR = 0x73;
const I32_SHL = 0x74;
const I32_SHR_U = 0x76;
const F64_MUL = 0xa2;
const I32_TRUNC_F64_U = 0xab;
const F64_CONVERT_I32_U = 0xb8;
const SIMD_PREFIX = 0xfd;
const V128_LOAD = 0x00;
const V128_STORE = 0x0b;
const F64X2_SPLAT = 0x14;
const F64X2_ADD = 0xf0;
const F64X2_MUL = 0xf2;

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

/** draw_k(counts, stride, n, scale, states): n steps of k streams (state c: the i32 at states + 4c); scale = n / 2^32. */
function drawFunction(k: number): FunctionBody {
  // Params 0 counts, 1 stride, 2 n, 3 scale, 4 states; locals 5 i, then k states, k bases, 1 address.
  const i = 5;
  const state = (c: number) => 6 + c;
  const base = (c: number) => 6 + k + c;
  const address = 6 + 2 * k;
  const code: number[] = [];
  for (let c = 0; c < k; c++) {
    code.push(LOCAL_GET, 4, I32_LOAD, ...memarg(2, 4 * c), LOCAL_SET, state(c));
    code.push(LOCAL_GET, 0);
    for (let m = 0; m < c; m++) code.push(LOCAL_GET, 1, I32_ADD);
    code.push(LOCAL_SET, base(c));
  }
  code.push(I32_CONST, 0, LOCAL_SET, i, BLOCK, EMPTY, LOOP, EMPTY);
  code.push(LOCAL_GET, i, LOCAL_GET, 2, I32_GE_U, BR_IF, 1);
  for (const [shift, kind] of [[13, I32_SHL], [17, I32_SHR_U], [5, I32_SHL]] as const) {
    for (let c = 0; c < k; c++) {
      code.push(LOCAL_GET, state(c), LOCAL_GET, state(c), I32_CONST, ...sleb(shift), kind, I32_XOR, LOCAL_SET, state(c));
    }
  }
  for (let c = 0; c < k; c++) {
    code.push(LOCAL_GET, base(c));
    code.push(LOCAL_GET, state(c), F64_CONVERT_I32_U, LOCAL_GET, 3, F64_MUL, I32_TRUNC_F64_U);
    code.push(I32_CONST, 1, I32_SHL, I32_ADD, LOCAL_TEE, address);
    code.push(LOCAL_GET, address, I32_LOAD16_U, ...memarg(1), I32_CONST, 1, I32_ADD, I32_STORE16, ...memarg(1));
  }
  code.push(LOCAL_GET, i, I32_CONST, 1, I32_ADD, LOCAL_SET, i, BR, 0, END, END);
  for (let c = 0; c < k; c++) code.push(LOCAL_GET, 4, LOCAL_GET, state(c), I32_STORE, ...memarg(2, 4 * c));
  return { name: `draw${k}`, params: [I32, I32, I32, F64, I32], locals: [[1 + 2 * k + 1, I32]], code };
}

/** dot_k(counts, stride, block, n, out): for c < k, out[4c + s] = sum over i of count_c[i] x block[4i + s]. */
function dotFunction(k: number): FunctionBody {
  // Params 0 counts, 1 stride, 2 block, 3 n, 4 out; i32 locals 5 i, then k bases; v128 locals v01, v23, count, 2k sums.
  const i = 5;
  const base = (c: number) => 6 + c;
  const v01 = 6 + k;
  const v23 = v01 + 1;
  const count = v01 + 2;
  const sum = (c: number, half: number) => v01 + 3 + 2 * c + half;
  const code: number[] = [];
  for (let c = 0; c < k; c++) {
    code.push(LOCAL_GET, 0);
    for (let m = 0; m < c; m++) code.push(LOCAL_GET, 1, I32_ADD);
    code.push(LOCAL_SET, base(c));
  }
  code.push(I32_CONST, 0, LOCAL_SET, i, BLOCK, EMPTY, LOOP, EMPTY);
  code.push(LOCAL_GET, i, LOCAL_GET, 3, I32_GE_U, BR_IF, 1);
  code.push(LOCAL_GET, 2, ...simd(V128_LOAD, ...memarg(4, 0)), LOCAL_SET, v01);
  code.push(LOCAL_GET, 2, ...simd(V128_LOAD, ...memarg(4, 16)), LOCAL_SET, v23);
  for (let c = 0; c < k; c++) {
    code.push(LOCAL_GET, base(c), I32_LOAD16_U, ...memarg(1), F64_CONVERT_I32_U, ...simd(F64X2_SPLAT), LOCAL_SET, count);
    code.push(LOCAL_GET, sum(c, 0), LOCAL_GET, count, LOCAL_GET, v01, ...simd(F64X2_MUL), ...simd(F64X2_ADD), LOCAL_SET, sum(c, 0));
    code.push(LOCAL_GET, sum(c, 1), LOCAL_GET, count, LOCAL_GET, v23, ...simd(F64X2_MUL), ...simd(F64X2_ADD), LOCAL_SET, sum(c, 1));
    code.push(LOCAL_GET, base(c), I32_CONST, 2, I32_ADD, LOCAL_SET, base(c));
  }
  code.push(LOCAL_GET, 2, I32_CONST, 32, I32_ADD, LOCAL_SET, 2);
  code.push(LOCAL_GET, i, I32_CONST, 1, I32_ADD, LOCAL_SET, i, BR, 0, END, END);
  for (let c = 0; c < k; c++) {
    code.push(LOCAL_GET, 4, LOCAL_GET, sum(c, 0), ...simd(V128_STORE, ...memarg(4, 32 * c)));
    code.push(LOCAL_GET, 4, LOCAL_GET, sum(c, 1), ...simd(V128_STORE, ...memarg(4, 32 * c + 16)));
  }
  return { name: `dot${k}`, params: [I32, I32, I32, I32, I32], locals: [[1 + k, I32], [3 + 2 * k, V128]], code };
}

/**
 * The module's bytes: memory imported as env.memory, six functions exported. A `shared` module imports a shared
 * memory (threads proposal: declared with a maximum), which several threads' instances use at once: one copy of
 * the series for every thread, each thread with its own scratch region.
 */
export function bootstrapModuleBytes(shared = false): Uint8Array {
  const functions = [drawFunction(1), drawFunction(2), drawFunction(4), dotFunction(1), dotFunction(2), dotFunction(4)];
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

type Draw = (counts: number, stride: number, n: number, scale: number, states: number) => void;
type Dot = (counts: number, stride: number, block: number, n: number, out: number) => void;

const PAGE = 65536;
const MAX_PAGES = 65536;
const align = (value: number, to: number) => Math.ceil(value / to) * to;

/** Where a bootstrap's series sit in a module memory: `blockCount` blocks of n rows of four doubles from `blocksAt`. */
export interface BootstrapLayout {
  readonly n: number;
  readonly blockCount: number;
  readonly blocksAt: number;
}

/** Bytes of one thread's scratch: four generator states, four Uint16 count arrays, the sums of every block. */
function scratchBytes(n: number, blockCount: number): number {
  return align(64 + 4 * align(2 * n, 16) + blockCount * 128, 64);
}

/** A shared memory holding the series once (interleaved four at a time, zero-padded) and a scratch per thread. */
export interface SharedBootstrapMemory {
  readonly memory: WasmMemory;
  readonly layout: BootstrapLayout;
  /** Scratch offset of each thread. */
  readonly scratch: readonly number[];
  /** The blocks as Float64Array views of the memory (what the JavaScript kernel reads). */
  readonly blocks: Float64Array[];
}

/** `interleaveSeries` written straight into a shared module memory; undefined without shared WebAssembly memory. */
export function sharedBootstrapMemory(series: ReadonlyArray<ArrayLike<number>>, threads: number): SharedBootstrapMemory | undefined {
  if (!wasm || !sharedModule()) return undefined;
  const n = series[0]?.length ?? 0;
  const blockCount = Math.ceil(series.length / 4);
  const scratch = Array.from({ length: threads }, (_, thread) => thread * scratchBytes(n, blockCount));
  const blocksAt = threads * scratchBytes(n, blockCount);
  const needed = blocksAt + blockCount * n * 32;
  const pages = Math.max(1, Math.ceil(needed / PAGE));
  if (pages > MAX_PAGES) return undefined;
  let memory: WasmMemory;
  try {
    memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return undefined;
  }
  const blocks = Array.from({ length: blockCount }, (_, k) => new Float64Array(memory.buffer, blocksAt + k * n * 32, 4 * n));
  series.forEach((values, s) => {
    const block = blocks[s >> 2];
    const lane = s & 3;
    for (let i = 0; i < n; i++) block[i * 4 + lane] = values[i];
  });
  return { memory, layout: { n, blockCount, blocksAt }, scratch, blocks };
}

/** Runs the bootstrap chunks of bootstrap.ts on the WebAssembly kernel; see `chunkMeans`. */
export class WasmBootstrap {
  private readonly draw: Record<1 | 2 | 4, Draw>;
  private readonly dot: Record<1 | 2 | 4, Dot>;
  private loaded: readonly Float64Array[] | undefined;
  private layout: BootstrapLayout = { n: 0, blockCount: 0, blocksAt: 0 };

  constructor(api: WasmApi, module: object, private readonly memory: WasmMemory) {
    const exports = new api.Instance(module, { env: { memory } }).exports;
    this.draw = { 1: exports.draw1 as Draw, 2: exports.draw2 as Draw, 4: exports.draw4 as Draw };
    this.dot = { 1: exports.dot1 as Dot, 2: exports.dot2 as Dot, 4: exports.dot4 as Dot };
  }

  /** Copies the interleaved blocks into the module's own memory, after one scratch region (once per set of blocks). */
  private load(blocks: readonly Float64Array[], n: number): void {
    if (this.loaded === blocks && this.layout.n === n) return;
    const blocksAt = scratchBytes(n, blocks.length);
    const needed = blocksAt + blocks.length * n * 32;
    if (this.memory.buffer.byteLength < needed) this.memory.grow(Math.ceil((needed - this.memory.buffer.byteLength) / PAGE));
    const doubles = new Float64Array(this.memory.buffer);
    blocks.forEach((block, k) => doubles.set(block, (blocksAt + k * n * 32) / 8));
    this.loaded = blocks;
    this.layout = { n, blockCount: blocks.length, blocksAt };
  }

  /**
   * The means of up to four bootstrap chunks at once: `states[c]` is chunk c's generator state, `counts[c]` its
   * number of resamples (in decreasing order: only a run's last chunk is shorter). Returns out[c][s][b].
   */
  chunkMeans(blocks: readonly Float64Array[], seriesCount: number, n: number, states: readonly number[], counts: readonly number[]): Float64Array[][] {
    this.load(blocks, n);
    return this.chunkMeansAt(this.layout, 0, seriesCount, states, counts);
  }

  /** `chunkMeans` on series already in this module's memory (a shared one), with the scratch at `scratchAt`. */
  chunkMeansAt(layout: BootstrapLayout, scratchAt: number, seriesCount: number, states: readonly number[], counts: readonly number[]): Float64Array[][] {
    const { n, blockCount, blocksAt } = layout;
    const stride = align(2 * n, 16);
    const countsAt = scratchAt + 64;
    const out = countsAt + 4 * stride;
    const chains = states.length;
    const result = counts.map((count) => Array.from({ length: seriesCount }, () => new Float64Array(count)));
    const memory = this.memory.buffer;
    const stateView = new Int32Array(memory, scratchAt, 4);
    const countView = new Uint16Array(memory, countsAt, (4 * stride) / 2);
    const sums = new Float64Array(memory, out, blockCount * 16);
    for (let c = 0; c < chains; c++) stateView[c] = states[c];
    const rounds = Math.max(0, ...counts);
    for (let b = 0; b < rounds; b++) {
      let active = 0;
      while (active < chains && counts[active] > b) active++;
      countView.fill(0, 0, (active * stride) / 2);
      // Chains [0, active) in groups of 4, 2 and 1 (each group's streams and sums are independent of the others').
      for (let first = 0; first < active; ) {
        const size = active - first >= 4 ? 4 : active - first >= 2 ? 2 : 1;
        const counts0 = countsAt + first * stride;
        this.draw[size as 1 | 2 | 4](counts0, stride, n, n / 4294967296, scratchAt + 4 * first);
        for (let k = 0; k < blockCount; k++) this.dot[size as 1 | 2 | 4](counts0, stride, blocksAt + k * n * 32, n, out + k * 128 + first * 32);
        first += size;
      }
      for (let c = 0; c < active; c++) {
        for (let s = 0; s < seriesCount; s++) result[c][s][b] = sums[((s >> 2) * 128 + c * 32) / 8 + (s & 3)] / n;
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
