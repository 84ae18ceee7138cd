/**
 * Renders a vega-lite spec to an SVG string in Node, without a browser or a canvas (vega's headless "none"
 * renderer). The SVG carries its own viewBox, so the page can scale it to any width.
 *
 * vega and vega-lite are loaded from the single-file builds their packages publish (build/vega.min.js and
 * build/vega-lite.min.js, the files a browser gets from a CDN) rather than through their ES module graphs: the
 * same releases, one file each instead of about forty packages to resolve and compile. Measured on the report
 * benchmark's machine: 40 ms to load instead of 150-210 ms (docs/benchmarks.md). The pages are the same but for
 * the root group's `stroke-miterlimit`, since vega.min.js carries the vega-scenegraph of its own build and npm
 * resolves a later one in the module graph (a test renders every plot both ways).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import type * as VegaModule from 'vega';
import type * as VegaLiteModule from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

export interface VegaRuntime {
  readonly vega: Pick<typeof VegaModule, 'parse' | 'View'>;
  readonly vegaLite: Pick<typeof VegaLiteModule, 'compile'>;
}

/** Evaluates a UMD build as CommonJS (its `exports` branch), with `require` answering its dependencies. */
function evaluateBundle(url: URL, dependencies: Record<string, unknown>): unknown {
  const path = fileURLToPath(url);
  const source = readFileSync(path, 'utf8');
  const factory = runInThisContext(`(function (exports, module, require) {${source}\n})`, { filename: path }) as (exports: object, module: object, require: (id: string) => unknown) => void;
  const module = { exports: {} as Record<string, unknown> };
  factory(module.exports, module, (id) => {
    if (!(id in dependencies)) throw new Error(`${path} asked for \`${id}\`, which the report renderer does not provide`);
    return dependencies[id];
  });
  return module.exports;
}

/** `evaluateBundle`, exported for the tests. */
export const evaluateBundleForTest = evaluateBundle;

let bundled: VegaRuntime | undefined;

/** vega and vega-lite from their packages' single-file builds (loaded once). */
export function bundledVega(): VegaRuntime {
  if (!bundled) {
    const vega = evaluateBundle(new URL('./vega.min.js', import.meta.resolve('vega')), {}) as VegaRuntime['vega'];
    const vegaLite = evaluateBundle(new URL('./vega-lite.min.js', import.meta.resolve('vega-lite')), { vega }) as VegaRuntime['vegaLite'];
    if (typeof vega.View !== 'function' || typeof vega.parse !== 'function' || typeof vegaLite.compile !== 'function') {
      throw new Error('The vega and vega-lite builds did not load as expected (no View, parse or compile)');
    }
    bundled = { vega, vegaLite };
  }
  return bundled;
}

/** vega and vega-lite through their ES modules (slower to load; the same renderer, for comparisons). */
export async function moduleVega(): Promise<VegaRuntime> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  return { vega, vegaLite };
}

export async function renderVegaLiteSvg(spec: TopLevelSpec, runtime: VegaRuntime = bundledVega()): Promise<string> {
  const { spec: vegaSpec } = runtime.vegaLite.compile(spec);
  // No loader is needed: every plot carries its data inline, and nothing may be fetched while rendering.
  const view = new runtime.vega.View(runtime.vega.parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
