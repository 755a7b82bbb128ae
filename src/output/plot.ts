/**
 * Plots as vega-lite specs rendered to SVG by vega's headless View (renderer "none") and to PNG
 * by resvg: no cairo, no browser.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { SummaryRow } from './tables.ts';

/** The frame every uhop chart shares: schema, title, size, white background, inline data. */
export function chartFrame(title: string, values: object[]) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 480,
    height: 320,
    background: 'white',
    data: { values },
  };
}

export function errorVsMemoriesSpec(rows: SummaryRow[], title: string): TopLevelSpec {
  const data = rows.map((r) => ({
    model: r.label,
    M: r.M,
    mean: r.mean,
    // ±1 std bars, cut at 0 (errors are non-negative); a single seed has no spread
    low: Number.isFinite(r.std) ? Math.max(0, r.mean - r.std) : r.mean,
    high: Number.isFinite(r.std) ? r.mean + r.std : r.mean,
  }));
  const memoryCounts = [...new Set(rows.map((r) => r.M))];
  const x = {
    field: 'M',
    type: 'quantitative' as const,
    scale: { type: 'log' as const, domain: [Math.min(...memoryCounts), Math.max(...memoryCounts)], nice: false },
    axis: { values: memoryCounts },
    title: 'memories M (log scale)',
  };
  // symlog: near-zero errors (U-Hop) and errors in the hundreds (poly-10) stay readable together
  const y = {
    type: 'quantitative' as const,
    scale: { type: 'symlog' as const, constant: 1 },
    axis: { values: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] },
    title: 'retrieval error, mean ± std over seeds (symlog)',
  };
  const color = { field: 'model', type: 'nominal' as const, title: 'model', sort: [...new Set(rows.map((r) => r.label))], legend: { labelLimit: 400 } };
  return {
    ...chartFrame(title, data),
    layer: [
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', ...y }, color } },
      { mark: { type: 'errorbar', ticks: true }, encoding: { x, y: { field: 'low', ...y }, y2: { field: 'high' }, color } },
    ],
  };
}

/**
 * Error against logit scale, one line per model through its M values: a model that beats the
 * baseline only because its logits are larger (lower temperature) sits where a temperature-matched
 * baseline sits; one that separates memories better sits lower at the same scale.
 */
export function errorVsLogitScaleSpec(rows: SummaryRow[], title: string): TopLevelSpec {
  const data = rows.filter((r) => r.logitScale > 0).map((r) => ({ model: r.label, M: r.M, mean: r.mean, logitScale: r.logitScale }));
  const models = [...new Set(rows.map((r) => r.label))];
  return {
    ...chartFrame(title, data),
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'logitScale', type: 'quantitative', scale: { type: 'log' }, title: 'logit scale: median (largest − second-largest logit), log' },
      y: { field: 'mean', type: 'quantitative', scale: { type: 'symlog', constant: 1 }, title: 'retrieval error, mean over seeds (symlog)' },
      color: { field: 'model', type: 'nominal', title: 'model', sort: models, legend: { labelLimit: 400 } },
      order: { field: 'M', type: 'quantitative' },
      tooltip: [{ field: 'model' }, { field: 'M' }, { field: 'mean' }, { field: 'logitScale' }],
    },
  };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export function svgToPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } });
  return resvg.render().asPng();
}
