/** Where vega's and vega-lite's single-file builds are (read by vegaBundles.ts and inlined in report.html). */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The packages export only their entry points, whose folders hold the bundles. */
export function vegaBuildFiles(): { vega: string; vegaLite: string } {
  return {
    vega: join(dirname(require.resolve('vega')), 'vega.min.js'),
    vegaLite: join(dirname(require.resolve('vega-lite')), 'vega-lite.min.js'),
  };
}
