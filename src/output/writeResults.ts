/** Writes the tables, plots and report of a results folder from its cells, every file atomically. */
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { ResolvedConfig } from '../config/parity.ts';
import type { CachedCell, FailedCell } from '../experiments/cache.ts';
import { writeFileAtomic } from './atomic.ts';
import { cellsCsv, metastableCsv, metastableMarkdown, pairedCsv, pairedRows, summaryCsv, summaryMarkdown, summaryRows, timingsCsv, traceCsv } from './tables.ts';
import { errorVsLogitScaleSpec, errorVsMemoriesSpec, renderSvg, svgToPng } from './plot.ts';
import { reportMarkdown } from './report.ts';
import type { Manifest } from './manifest.ts';

/** The files `uhop run` and `uhop report` write (failed.csv only when a cell failed). */
export const resultFiles = [
  'cells.csv',
  'timings.csv',
  'summary.csv',
  'summary.md',
  'paired.csv',
  'metastable.csv',
  'metastable.md',
  'trace.csv',
  'error-vs-M.svg',
  'error-vs-M.png',
  'error-vs-logit-scale.svg',
  'error-vs-logit-scale.png',
  'report.md',
  'config.resolved.json',
  'manifest.json',
] as const;

export async function writeResults(
  directory: string,
  config: ResolvedConfig,
  cells: CachedCell[],
  failed: FailedCell[],
  manifest: Manifest,
): Promise<string[]> {
  const records = cells.flatMap((cell) => cell.records);
  const rows = summaryRows(records);
  const paired = pairedRows(records, config.baseline ?? config.models[0].name);
  const title = `${config.name}: retrieval error vs M (${config.dataset.name}, parity ${config.parity})`;
  const summary = summaryMarkdown(rows, paired, title);
  const files: Record<string, string | Uint8Array> = {
    'cells.csv': cellsCsv(records),
    'timings.csv': timingsCsv(cells.flatMap((cell) => cell.timings)),
    'summary.csv': summaryCsv(rows),
    'summary.md': summary,
    'paired.csv': pairedCsv(paired),
    'metastable.csv': metastableCsv(records),
    'metastable.md': metastableMarkdown(rows),
    'trace.csv': traceCsv(cells.flatMap((cell) => cell.trace)),
    'report.md': reportMarkdown(config, manifest, `${summary}\n${metastableMarkdown(rows).replace(/^# /, '## ')}`, failed),
    'config.resolved.json': `${JSON.stringify(config, null, 2)}\n`,
    'manifest.json': `${JSON.stringify(manifest, null, 2)}\n`,
  };
  if (rows.length) {
    const plots = {
      'error-vs-M': errorVsMemoriesSpec(rows, title),
      'error-vs-logit-scale': errorVsLogitScaleSpec(rows, `${config.name}: error against logit scale (points: M)`),
    };
    for (const [name, spec] of Object.entries(plots)) {
      const svg = await renderSvg(spec);
      files[`${name}.svg`] = svg;
      files[`${name}.png`] = svgToPng(svg);
    }
  }
  if (failed.length) {
    files['failed.csv'] = stringify(failed, { header: true, columns: ['memories', 'seed', 'key', 'error', 'failedAt'] });
  }
  for (const [name, data] of Object.entries(files)) writeFileAtomic(join(directory, name), data);
  return Object.keys(files).map((name) => join(directory, name));
}
