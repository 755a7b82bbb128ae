/** One-paragraph description of a config: what `uhop validate` prints and `uhop run --dry-run` starts with. */
import type { ResolvedConfig } from '../config/parity.ts';
import { expandCells } from '../runs/grid.ts';
import { caseBeta, type ResolvedFigureConfig } from '../config/figureSchema.ts';
import { formatSweepValue } from '../experiments/cellIdentity.ts';

export function describeConfig(config: ResolvedConfig): string {
  const cells = expandCells(config).length;
  const dims = config.featureMap.dim ? ` × D_Φ ∈ {${config.featureMap.dim.join(', ')}}` : '';
  const swept = Object.entries(config.sweep ?? {})
    .map(([path, values]) => `${path} ∈ {${values.map(formatSweepValue).join(', ')}} × `)
    .join('');
  return [
    `${config.name}: ${cells} cells (${swept}M ∈ {${config.memories.join(', ')}}${dims} × ${config.seeds.length} seeds), parity ${config.parity}`,
    `models: ${config.models.map((m) => m.name).join(', ')}`,
  ].join('\n');
}

/** The same for a 2-D figure config (kind landscape / basins). */
export function describeFigureConfig(config: ResolvedFigureConfig): string {
  const cases = config.cases.map((c) => `${Array.isArray(c.memories) ? c.memories.length : c.memories} memories at β = ${caseBeta(c).toPrecision(3)}`);
  const form = config.kind === 'landscape' ? `energy ${config.energy}, ` : `${config.steps} retrieval steps, radius ${config.radius}, `;
  return [
    `${config.name}: ${config.kind} figure, ${config.cases.length} case(s) × N ∈ {${config.iterations.join(', ')}} × α ∈ {${config.alphas.join(', ')}}, ${config.grid}×${config.grid} grid, ${config.seeds.length} seed(s), parity ${config.parity}`,
    `${cases.join('; ')}; ${form}Φ: ${config.featureMap.optimizer} lr ${config.featureMap.lr}, ${config.featureMap.lossForm} loss τ = ${config.featureMap.tau}`,
  ].join('\n');
}
