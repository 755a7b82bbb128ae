/**
 * The 2-D figures of KHM / U-Hop+ as files: the panel table (every case × seed × N × α), the
 * memories each row shows, the grid values of the figure's seed, and the figure itself — a grid of
 * heatmap panels (rows = U-Hop+ iterations N, columns = α), one block per case, memories marked.
 */
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { median } from 'simple-statistics';
import type { TopLevelSpec } from 'vega-lite';
import { caseBeta, type ResolvedFigureConfig } from '../config/figureSchema.ts';
import { panelMetrics, separationLabel, type Panel, type Point, type Snapshot } from '../experiments/landscape.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { renderSvg, svgToPng } from './render.ts';

export const figureFileName = { landscape: 'energy-landscape', basins: 'basins' } as const;

const memoryCount = (panel: Panel) => panel.memories.length;

export function panelsCsv(panels: Panel[], config: ResolvedFigureConfig, backend: string): string {
  const metrics = panelMetrics[config.kind];
  const rows = panels.map((p) => [p.case, memoryCount(p), p.beta, p.seed, p.iterations, p.alpha, separationLabel(p.alpha), ...metrics.map((m) => p.metrics[m]), backend]);
  return stringify(rows, { header: true, columns: ['case', 'memories', 'beta', 'seed', 'iterations', 'alpha', 'separation', ...metrics, 'backend'] });
}

export function memoriesCsv(snapshots: Array<Snapshot & { case: number; seed: number }>): string {
  const rows = snapshots.flatMap((s) => s.memories.map(([x, y], index) => [s.case, s.seed, s.iterations, index, x, y, s.loss]));
  return stringify(rows, { header: true, columns: ['case', 'seed', 'iterations', 'memory', 'x', 'y', 'loss'] });
}

/** Every grid point of the figure's panels (the first seed): energy, or the memory index (−1 for none). */
export function gridCsv(panels: Panel[], config: ResolvedFigureConfig): string {
  const rows = panels.flatMap((p) => p.grid.points.map(([x, y], k) => [p.case, p.iterations, p.alpha, x, y, p.values[k]]));
  return stringify(rows, { header: true, columns: ['case', 'iterations', 'alpha', 'x', 'y', config.kind === 'landscape' ? 'energy' : 'memory'] });
}

/** Medians over seeds per case × α × N, as Markdown. */
export function panelsMarkdown(panels: Panel[], config: ResolvedFigureConfig): string {
  const metrics = panelMetrics[config.kind];
  const groups = new Map<string, Panel[]>();
  for (const p of panels) {
    const key = `${p.case}/${p.alpha}/${p.iterations}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(3));
  const lines = [...groups.values()].map((group) => {
    const p = group[0];
    return `| ${memoryCount(p)} | ${fmt(p.beta)} | ${separationLabel(p.alpha)} | ${p.iterations} | ${metrics.map((m) => fmt(median(group.map((g) => g.metrics[m])))).join(' | ')} |`;
  });
  return [
    `# ${config.name}: panel measures, median over ${config.seeds.length} seed(s)`,
    '',
    config.description ?? '',
    '',
    `As run: ${config.grid} × ${config.grid} grid, ${config.cases.map((c) => `${Array.isArray(c.memories) ? c.memories.length : c.memories} memories at β = ${caseBeta(c).toPrecision(3)}`).join(', ')}, ${config.seeds.length} seed(s) (${config.seeds.length <= 5 ? config.seeds.join(', ') : `${config.seeds[0]}, ${config.seeds[1]}, …, ${config.seeds[config.seeds.length - 1]}`}), parity ${config.parity} (loss ${config.featureMap.lossForm}${config.kind === 'landscape' ? `, energy ${config.energy}` : ''}). The measures are defined in the README (2-D figures).`,
    '',
    `| memories | β | separation | N | ${metrics.join(' | ')} |`,
    `| ---: | ---: | --- | ---: | ${metrics.map(() => '---:').join(' | ')} |`,
    ...lines,
    '',
  ].join('\n');
}

/** Half the spacing of a grid axis: each value is drawn as a cell centred on its point. */
const halfStep = (axis: number[]) => (axis[1] - axis[0]) / 2;

/** Bands the energy is drawn in, as the filled contours (contourf) of the official figure. */
export const ENERGY_BANDS = 10;

/**
 * Runs of equal value along each grid row, merged into one rectangle each (far fewer SVG elements
 * than one per point, the same picture): `band(k)` is the value drawn for grid point k.
 */
function rowRuns(panel: Panel, band: (k: number) => number | string, field: string): object[] {
  const { xs, ys } = panel.grid;
  const [hx, hy] = [halfStep(xs), halfStep(ys)];
  const cells: object[] = [];
  ys.forEach((y, i) => {
    let start = 0;
    for (let j = 1; j <= xs.length; j++) {
      const value = band(i * xs.length + start);
      if (j < xs.length && band(i * xs.length + j) === value) continue;
      cells.push({ x0: xs[start] - hx, x1: xs[j - 1] + hx, y0: y - hy, y1: y + hy, [field]: value });
      start = j;
    }
  });
  return cells;
}

/** Energy bands: the energy rescaled to [0, 1] within the panel (each panel has its own range, as contourf's levels), cut into ENERGY_BANDS. */
function energyCells(panel: Panel): object[] {
  let [low, high] = [Infinity, -Infinity];
  for (const v of panel.values) [low, high] = [Math.min(low, v), Math.max(high, v)];
  const range = high - low || 1;
  const band = (k: number) => (Math.min(ENERGY_BANDS - 1, Math.floor(((panel.values[k] - low) / range) * ENERGY_BANDS)) + 0.5) / ENERGY_BANDS;
  return rowRuns(panel, band, 'value');
}

/** Basin cells: the memory each grid point converges to, "none" for none. */
function basinCells(panel: Panel): object[] {
  return rowRuns(panel, (k) => (panel.values[k] < 0 ? 'none' : `ξ${panel.values[k] + 1}`), 'memory');
}

const hot = ['#0a0000', '#b30000', '#ff6a00', '#ffd000', '#ffffff'];
const tableau = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function panelSpec(panel: Panel, config: ResolvedFigureConfig, first: { row: boolean; column: boolean }, size: number): object {
  const { xs, ys } = panel.grid;
  const [hx, hy] = [halfStep(xs), halfStep(ys)];
  const x = { type: 'quantitative', scale: { domain: [xs[0] - hx, xs[xs.length - 1] + hx], nice: false, zero: false }, axis: null };
  const yAxis = first.column ? { title: `N = ${panel.iterations}`, titleFontSize: 13, ticks: false, labels: false, domain: false, grid: false } : null;
  const y = { type: 'quantitative', scale: { domain: [ys[0] - hy, ys[ys.length - 1] + hy], nice: false, zero: false }, axis: yAxis };
  const memories = panel.memories.map(([mx, my]: Point, index) => ({ mx, my, memory: `ξ${index + 1}` }));
  const memoryNames = memories.map((m) => m.memory);
  // one scale for the basins and the memories' markers: a memory's marker has its basin's colour
  const basinColour = {
    field: 'memory',
    type: 'nominal',
    scale: { domain: ['none', ...memoryNames], range: ['#ffffff', ...memoryNames.map((_, i) => tableau[i % tableau.length])] },
    legend: { title: 'converges to', symbolStrokeColor: 'black' },
  };
  const cells =
    config.kind === 'landscape'
      ? {
          data: { values: energyCells(panel) },
          mark: { type: 'rect' },
          encoding: {
            x: { field: 'x0', ...x },
            x2: { field: 'x1' },
            y: { field: 'y0', ...y },
            y2: { field: 'y1' },
            color: {
              field: 'value',
              type: 'quantitative',
              scale: { domain: [0, 1], range: hot },
              legend: { title: ['energy, per panel', '0 = lowest, 1 = highest'], titleLimit: 400 },
            },
          },
        }
      : {
          data: { values: basinCells(panel) },
          mark: { type: 'rect' },
          encoding: { x: { field: 'x0', ...x }, x2: { field: 'x1' }, y: { field: 'y0', ...y }, y2: { field: 'y1' }, color: basinColour },
        };
  const marker = {
    data: { values: memories },
    mark: { type: 'point', shape: 'square', filled: true, size: 45, stroke: 'black', strokeWidth: 1, ...(config.kind === 'landscape' ? { fill: 'white' } : {}) },
    encoding: { x: { field: 'mx', ...x }, y: { field: 'my', ...y }, ...(config.kind === 'basins' ? { color: basinColour } : {}) },
  };
  return {
    width: size,
    height: size,
    ...(first.row ? { title: { text: separationLabel(panel.alpha), fontSize: 13 } } : {}),
    layer: [cells, marker],
  };
}

/** The figure of one seed's panels: a block per case, rows = N, columns = α. */
export function figureSpec(panels: Panel[], config: ResolvedFigureConfig): TopLevelSpec {
  const size = config.kind === 'landscape' ? 140 : 150;
  const independent = { scale: { x: 'independent', y: 'independent', color: 'shared' }, legend: { color: 'shared' } };
  const blocks = config.cases.map((spec, caseIndex) => {
    const mine = panels.filter((p) => p.case === caseIndex);
    const beta = caseBeta(spec);
    const temperature = spec.temperature !== undefined ? `temperature ${spec.temperature} (β = ${beta.toPrecision(3)})` : `β = ${beta}`;
    return {
      title: { text: `${mine[0].memories.length} memories, ${temperature}`, fontSize: 14 },
      vconcat: config.iterations.map((N, row) => ({
        hconcat: config.alphas.map((alpha, column) =>
          panelSpec(mine.find((p) => p.iterations === N && p.alpha === alpha)!, config, { row: row === 0, column: column === 0 }, size),
        ),
        resolve: independent,
      })),
      resolve: independent,
    };
  });
  const what =
    config.kind === 'landscape'
      ? `energy (${config.energy} form) over a grid in feature space, lighter = higher`
      : `basins of attraction: where ${config.steps} retrieval steps from each grid point end (white: within ${config.radius} of no memory)`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: config.name,
      subtitle: [what, `rows: U-Hop+ iterations N (N = 0: the raw memories; N ≥ 1: normalised Φ_N(Ξ)); seed ${panels[0].seed}`],
      fontSize: 15,
      subtitleFontSize: 12,
      anchor: 'start',
    },
    background: 'white',
    config: { view: { stroke: '#444' } },
    hconcat: blocks,
    resolve: independent,
    spacing: 30,
  } as TopLevelSpec;
}

/** Writes every file of a figure run; returns the names written. */
export async function writeFigureResults(
  directory: string,
  config: ResolvedFigureConfig,
  result: { panels: Panel[]; snapshots: Array<Snapshot & { case: number; seed: number }> },
  backend: string,
  manifest: object,
): Promise<string[]> {
  const shown = result.panels.filter((p) => p.seed === config.seeds[0]);
  const svg = await renderSvg(figureSpec(shown, config));
  const name = figureFileName[config.kind];
  const files: Record<string, string | Uint8Array> = {
    'panels.csv': panelsCsv(result.panels, config, backend),
    'panels.md': panelsMarkdown(result.panels, config),
    'memories.csv': memoriesCsv(result.snapshots),
    'grid.csv': gridCsv(shown, config),
    [`${name}.svg`]: svg,
    [`${name}.png`]: svgToPng(svg),
    'config.resolved.json': `${JSON.stringify(config, null, 2)}\n`,
    'manifest.json': `${JSON.stringify(manifest, null, 2)}\n`,
  };
  for (const [file, data] of Object.entries(files)) writeFileAtomic(join(directory, file), data);
  return Object.keys(files);
}
