/** Writes a finished run to its results folder, every file atomically. */
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/parity.ts';
import type { ExperimentResult } from '../experiments/runner.ts';
import { writeFileAtomic } from './atomic.ts';
import { cellsCsv, summaryCsv, summaryMarkdown, summaryRows, timingsCsv } from './tables.ts';
import { errorVsMemoriesSpec, renderSvg, svgToPng } from './plot.ts';
import type { Manifest } from './manifest.ts';

export const resultFiles = [
  'cells.csv',
  'timings.csv',
  'summary.csv',
  'summary.md',
  'error-vs-M.svg',
  'error-vs-M.png',
  'config.resolved.json',
  'manifest.json',
] as const;

export async function writeResults(
  directory: string,
  config: ResolvedConfig,
  result: ExperimentResult,
  manifest: Manifest,
): Promise<string[]> {
  const rows = summaryRows(result.records);
  const title = `${config.name}: retrieval error vs M (${config.dataset.name}, parity ${config.parity})`;
  const svg = await renderSvg(errorVsMemoriesSpec(rows, title));
  const files: Record<(typeof resultFiles)[number], string | Uint8Array> = {
    'cells.csv': cellsCsv(result.records),
    'timings.csv': timingsCsv(result.timings),
    'summary.csv': summaryCsv(rows),
    'summary.md': summaryMarkdown(rows, title),
    'error-vs-M.svg': svg,
    'error-vs-M.png': svgToPng(svg),
    'config.resolved.json': `${JSON.stringify(config, null, 2)}\n`,
    'manifest.json': `${JSON.stringify(manifest, null, 2)}\n`,
  };
  for (const [name, data] of Object.entries(files)) writeFileAtomic(join(directory, name), data);
  return resultFiles.map((name) => join(directory, name));
}
