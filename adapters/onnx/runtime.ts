/**
 * Which onnxruntime runs the graphs. Two packages implement the same API (onnxruntime-common's InferenceSession and
 * Tensor):
 *
 * - `onnxruntime-web`, a regular dependency: WebAssembly on the CPU, no install script, nothing downloaded, so
 *   `npm install reward-router` works offline and every ONNX model runs out of the box.
 * - `onnxruntime-node`, an optional peer dependency: native CPU kernels (faster on large models) and the CUDA
 *   execution provider. Install it yourself when you want those; on Linux x64 its install script downloads the
 *   CUDA 12 provider unless `ONNXRUNTIME_NODE_INSTALL=skip` is set (docs/adapters.md, "onnx").
 *
 * `backend: 'auto'` (the default) uses onnxruntime-node when it is installed and onnxruntime-web otherwise.
 * Both are imported lazily, on the first ONNX model, so nothing else in the library pays for them.
 */
import { readFile } from 'node:fs/promises';
import type * as ort from 'onnxruntime-web';
import { ModelLoadError } from '../../src/spec/errors.js';

export const ONNX_BACKENDS = ['auto', 'node', 'web'] as const;
export type OnnxBackend = (typeof ONNX_BACKENDS)[number];

/** The session options the adapter sets (a subset both runtimes understand). */
export interface OnnxSessionSettings {
  readonly intraOpNumThreads?: number;
  readonly interOpNumThreads?: number;
  /** Execution providers in order of preference, e.g. `['cuda', 'cpu']` (onnxruntime-node only). */
  readonly executionProviders?: readonly string[];
  /**
   * Whether onnxruntime-node's idle pool threads spin (busy-wait) between runs, as onnxruntime ships, or sleep
   * (the adapter's default, measured in docs/benchmarks.md). onnxruntime-web has no such setting.
   */
  readonly allowSpinning?: boolean;
}

/**
 * onnxruntime-node's session options for `settings`: full graph optimization, the thread counts and providers
 * asked for (else onnxruntime's), and spinning off unless asked for (the session config entries
 * `session.intra_op.allow_spinning` and `session.inter_op.allow_spinning`). Exported for the benchmarks, whose bare
 * sessions get the same options.
 */
export function nodeSessionOptions(settings: OnnxSessionSettings): ort.InferenceSession.SessionOptions {
  const spin = settings.allowSpinning === true ? '1' : '0';
  // onnxruntime-node rejects keys that are present but undefined.
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
  if (settings.intraOpNumThreads !== undefined) options.intraOpNumThreads = settings.intraOpNumThreads;
  if (settings.interOpNumThreads !== undefined) options.interOpNumThreads = settings.interOpNumThreads;
  if (settings.executionProviders !== undefined) options.executionProviders = [...settings.executionProviders] as ort.InferenceSession.ExecutionProviderConfig[];
  return options;
}

/** onnxruntime-web's WebAssembly threads when a model does not say: one (measured, docs/benchmarks.md). */
export const WEB_DEFAULT_THREADS = 1;

export interface OnnxRuntime {
  readonly name: 'onnxruntime-node' | 'onnxruntime-web';
  readonly Tensor: typeof ort.Tensor;
  createSession(file: string, settings: OnnxSessionSettings): Promise<ort.InferenceSession>;
  /**
   * Run options. A failing run (e.g. an index out of range in a Gather node) is reported by the error the adapter
   * throws, which carries onnxruntime's message; the native logger would print the same failure to stderr a second
   * time, so runs log only fatal problems.
   */
  readonly runOptions: ort.InferenceSession.RunOptions;
}

const isModuleNotFound = (error: unknown, name: string): boolean =>
  (error as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`);

type OrtModule = typeof import('onnxruntime-web');

let nodeRuntime: Promise<OnnxRuntime | undefined> | undefined;
let webRuntime: Promise<OnnxRuntime> | undefined;

/** onnxruntime-node, or undefined when it is not installed. */
function loadNode(): Promise<OnnxRuntime | undefined> {
  nodeRuntime ??= (async () => {
    let module: Partial<OrtModule> & { default?: OrtModule };
    try {
      // A variable specifier: the package is optional, so neither TypeScript nor a bundler may require it.
      const name = 'onnxruntime-node';
      module = (await import(name)) as Partial<OrtModule> & { default?: OrtModule };
    } catch (error) {
      if (isModuleNotFound(error, 'onnxruntime-node')) return undefined;
      throw error;
    }
    // A CommonJS package: its exports are named when Node can detect them, else under `default`.
    const ortNode = (module.InferenceSession ? module : module.default) as OrtModule;
    return {
      name: 'onnxruntime-node',
      Tensor: ortNode.Tensor,
      runOptions: { logSeverityLevel: 4 },
      createSession: (file, settings) => ortNode.InferenceSession.create(file, nodeSessionOptions(settings)),
    };
  })();
  return nodeRuntime;
}

function loadWeb(): Promise<OnnxRuntime> {
  webRuntime ??= (async () => {
    const ortWeb = await import('onnxruntime-web');
    // The WebAssembly runtime has one thread pool for the whole process, sized by env.wasm.numThreads when the
    // first session starts it; a session cannot change it later. In Node its threads are worker threads.
    // (env.wasm.simd only turns feature checking off: 1.30 ships SIMD builds only.)
    let startedThreads: number | undefined;
    return {
      name: 'onnxruntime-web',
      Tensor: ortWeb.Tensor,
      runOptions: { logSeverityLevel: 4 },
      createSession: async (file, settings) => {
        // The web runtime takes the graph's bytes (it has no file system of its own).
        const bytes = new Uint8Array(await readFile(file));
        const threads = settings.intraOpNumThreads ?? startedThreads ?? WEB_DEFAULT_THREADS;
        if (startedThreads !== undefined && threads !== startedThreads) {
          throw new Error(
            `intraOpNumThreads ${threads} cannot apply: onnxruntime-web runs one WebAssembly thread pool per process, started with ${startedThreads} thread(s) by the first web model; ` +
              'give every web model the same intraOpNumThreads (or none)',
          );
        }
        startedThreads ??= threads;
        ortWeb.env.wasm.numThreads = threads;
        return ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      },
    };
  })();
  return webRuntime;
}

/** The runtime for `backend`; `id` and `where` go into the error when the asked-for runtime is not installed. */
export async function loadOnnxRuntime(backend: OnnxBackend, id: string, settings: OnnxSessionSettings = {}): Promise<OnnxRuntime> {
  const gpu = settings.executionProviders?.some((provider) => provider !== 'cpu' && provider !== 'wasm');
  if (backend === 'web') {
    if (gpu) {
      throw new ModelLoadError(`Model \`${id}\`: executionProviders ${JSON.stringify(settings.executionProviders)} need onnxruntime-node; the web backend runs on the CPU (WebAssembly) only`, { modelId: id });
    }
    return loadWeb();
  }
  const native = await loadNode();
  if (native) return native;
  if (backend === 'node' || gpu) {
    throw new ModelLoadError(
      `Model \`${id}\`: ${backend === 'node' ? 'backend "node"' : `executionProviders ${JSON.stringify(settings.executionProviders)}`} needs the optional package onnxruntime-node, which is not installed; ` +
        'run `npm install onnxruntime-node` (on Linux x64 its install script downloads the CUDA provider; set ONNXRUNTIME_NODE_INSTALL=skip for CPU only), or use backend "web"',
      { modelId: id },
    );
  }
  return loadWeb();
}
