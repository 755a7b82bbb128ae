/** Runs a 2-D figure config (landscape or basins) into a results folder: compute, then write every file. */
import { initBackend } from '../backend/select.ts';
import type { ResolvedFigureConfig } from '../config/figureSchema.ts';
import { computeFigure } from '../experiments/landscape.ts';
import { writeFigureResults } from '../output/landscapeFigures.ts';
import { runProvenance } from './provenance.ts';

export async function runFigureToFolder(config: ResolvedFigureConfig, directory: string): Promise<{ files: string[]; panels: number; backend: string }> {
  const startedAt = new Date();
  const backend = await initBackend();
  const result = computeFigure(config);
  const files = await writeFigureResults(directory, config, result, backend.label, await runProvenance(startedAt, backend));
  return { files, panels: result.panels.length, backend: backend.label };
}
