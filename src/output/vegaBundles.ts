/**
 * vega and vega-lite from their single-file builds (build/vega.min.js, build/vega-lite.min.js, the
 * ones report.html inlines), run through the code cache (../io/codeCache.ts). Importing the
 * packages' ES modules resolved and compiled some 40 modules (vega-*, d3-*): 0.35–0.4 s of CPU at
 * every run, on the main thread while the first cells ran. The builds are the same code bundled,
 * and draw the same SVG: the figures of every recipe in results/paper are byte-identical.
 */
import { createRequire } from 'node:module';
import type * as Vega from 'vega';
import type * as VegaLite from 'vega-lite';
import { runCachedScript } from '../io/codeCache.ts';
import { vegaBuildFiles } from './vegaFiles.ts';

const require = createRequire(import.meta.url);

function load(): { vega: typeof Vega; vegaLite: typeof VegaLite } {
  const files = vegaBuildFiles();
  const vega = runCachedScript(files.vega, require) as typeof Vega;
  // the vega-lite build requires "vega": this same build, not the package's ES module
  const vegaLite = runCachedScript(files.vegaLite, (id) => (id === 'vega' ? vega : require(id))) as typeof VegaLite;
  return { vega, vegaLite };
}

export const { vega, vegaLite } = load();
