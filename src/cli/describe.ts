/** One-paragraph description of a config: what `uhop validate` prints and `uhop run --dry-run` starts with. */
import type { ResolvedConfig } from '../config/parity.ts';
import { expandCells } from '../runs/grid.ts';
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
