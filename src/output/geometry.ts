/** The separation-bounds table and figure: Δ_min reached by Stage I against the spherical-code bounds. */
import { median } from 'simple-statistics';
import type { TopLevelSpec } from 'vega-lite';
import type { ModelRecord } from '../experiments/cell.ts';
import { cellIdentity, type SweepValues } from '../experiments/cellIdentity.ts';
import { varyingAxes } from './tables.ts';
import { separationLowerBound, separationUpperBound, tammesSeparation } from '../metrics/sphericalCode.ts';
import { chartFrame } from './plot.ts';
import { legendToggle, seriesEncodings } from './style.ts';

export interface SeparationRow {
  M: number;
  featureDim: number;
  sweep?: SweepValues;
  /** D_Φ, with the swept values when they vary (one curve each). */
  setting: string;
  lower: number;
  /** Best known Δ_min (Tammes), D_Φ = 3 only. */
  optimum: number | null;
  upper: number;
  /** Median over seeds of Δ_min after Stage I, and of Φ_0's (the random start). */
  reached: number;
  start: number;
}

/** One row per M × D_Φ, from the learned-Φ models' cells (Δ_min is shared by a cell's U-Hop models). */
export function separationRows(records: ModelRecord[]): SeparationRow[] {
  const learned = records.filter((r) => r.featureMap && !r.control);
  const groups = new Map<string, ModelRecord[]>();
  for (const r of learned) {
    const key = cellIdentity(r, { without: ['seed'] });
    const group = groups.get(key) ?? [];
    if (!group.some((g) => g.seed === r.seed)) group.push(r); // one record per cell
    groups.set(key, group);
  }
  const swept = varyingAxes(learned, ['featureDim']);
  return [...groups.values()]
    .map((group) => {
      const { M, featureDim, sweep } = group[0];
      const setting = [`D_Φ = ${featureDim}`, ...swept(group[0])].join(' · ');
      return {
        M,
        featureDim,
        ...(sweep ? { sweep } : {}),
        setting,
        lower: separationLowerBound(M, featureDim),
        optimum: featureDim === 3 ? tammesSeparation(M) : null,
        upper: separationUpperBound(M, featureDim),
        reached: median(group.map((r) => r.deltaMin)),
        start: median(group.map((r) => r.deltaMinInit)),
      };
    })
    .sort((a, b) => a.featureDim - b.featureDim || a.setting.localeCompare(b.setting) || a.M - b.M);
}

export function separationBoundsSpec(rows: SeparationRow[], title: string): TopLevelSpec {
  const curves: Array<[keyof SeparationRow, string]> = [
    ['upper', 'upper bound (Prop. 3.1)'],
    ['optimum', 'optimum (Tammes, D_Φ = 3)'],
    ['reached', 'Stage I (median over seeds)'],
    ['start', 'random start Φ_0'],
    ['lower', 'lower bound (Prop. 3.1)'],
  ];
  const values = rows.flatMap((row) =>
    curves
      .filter(([field]) => row[field] !== null)
      .map(([field, curve]) => ({ M: row.M, featureDim: row.setting, curve, deltaMin: row[field] })),
  );
  const names = curves.map(([, c]) => c).filter((c) => values.some((v) => v.curve === c));
  const dims = [...new Set(values.map((v) => v.featureDim))];
  // one D_Φ: each curve its colour, dash and marker; several: the dash tells D_Φ apart
  const style = seriesEncodings('curve', names, '', dims.length > 1 ? ['color', 'shape'] : ['color', 'strokeDash', 'shape']);
  const byDim = dims.length > 1 ? { strokeDash: { field: 'featureDim', type: 'nominal' as const, title: '' } } : {};
  const x = { field: 'M', type: 'quantitative' as const, title: 'memories M' };
  const y = { field: 'deltaMin', type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'Δ_min = min (1 − cos) (log)' };
  const tooltip = [{ field: 'curve' }, { field: 'featureDim', title: 'D_Φ' }, { field: 'M', type: 'quantitative' as const }, { field: 'deltaMin', type: 'quantitative' as const, title: 'Δ_min', format: '.4~g' }];
  const toggle = legendToggle(['curve']);
  return {
    ...chartFrame(title, values),
    layer: [
      { params: toggle.params, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color: style.color, ...(dims.length > 1 ? byDim : { strokeDash: style.strokeDash }), detail: [{ field: 'curve' }, { field: 'featureDim' }], opacity: toggle.opacity(1) } },
      { mark: { type: 'point', filled: false, strokeWidth: 1.8, size: 70 }, encoding: { x, y, color: style.color, shape: style.shape, tooltip, opacity: toggle.opacity(1) } },
    ],
  } as TopLevelSpec;
}
