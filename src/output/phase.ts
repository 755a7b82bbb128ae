/**
 * The D_Φ × M phase diagram (KHM's claim: capacity exponential in D_Φ, so the D_Φ needed for M
 * memories grows like log M): success and metastable share over the grid, the smallest D_Φ that
 * reaches the target success rate for each M, and the least-squares fit D_Φ = a + b·ln M with R².
 */
import { linearRegression, linearRegressionLine, mean, rSquared } from 'simple-statistics';
import type { TopLevelSpec } from 'vega-lite';
import type { ModelRecord } from '../experiments/cell.ts';
import { cellIdentity, type SweepValues } from '../experiments/cellIdentity.ts';
import { settingLabels } from './tables.ts';

export interface PhaseCell {
  /** The model, with the swept values when they vary (one diagram each). */
  model: string;
  M: number;
  sweep?: SweepValues;
  featureDim: number;
  success: number;
  metastable: number;
}

export interface PhaseFit {
  model: string;
  /** Smallest D_Φ with mean success ≥ target, per M (M without one are left out). */
  needed: Array<{ M: number; featureDim: number }>;
  /** D_Φ ≈ a + b · ln M over `needed`; null with fewer than 3 points. */
  a: number | null;
  b: number | null;
  r2: number | null;
}

/** Mean success and metastable share over seeds, per learned-Φ model × M × D_Φ. */
export function phaseCells(records: ModelRecord[]): PhaseCell[] {
  const groups = new Map<string, ModelRecord[]>();
  for (const r of records.filter((r) => r.featureMap)) {
    const key = `${r.model}\u0000${cellIdentity(r, { without: ['seed'] })}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const labelOf = settingLabels(records, ['featureDim']);
  return [...groups.values()].map((group) => ({
    model: labelOf(group[0]),
    M: group[0].M,
    ...(group[0].sweep ? { sweep: group[0].sweep } : {}),
    featureDim: group[0].featureDim,
    success: mean(group.map((r) => r.successRate)),
    metastable: mean(group.map((r) => r.metastableShare)),
  }));
}

export function phaseFits(cells: PhaseCell[], target: number): PhaseFit[] {
  const models = [...new Set(cells.map((c) => c.model))];
  return models.map((model) => {
    const mine = cells.filter((c) => c.model === model);
    const needed = [...new Set(mine.map((c) => c.M))]
      .sort((x, y) => x - y)
      .flatMap((M) => {
        const enough = mine.filter((c) => c.M === M && c.success >= target).map((c) => c.featureDim);
        return enough.length ? [{ M, featureDim: Math.min(...enough) }] : [];
      });
    if (needed.length < 3) return { model, needed, a: null, b: null, r2: null };
    const points = needed.map((n) => [Math.log(n.M), n.featureDim]);
    const line = linearRegression(points);
    return { model, needed, a: line.b, b: line.m, r2: rSquared(points, linearRegressionLine(line)) };
  });
}

export function phaseMarkdown(fits: PhaseFit[], target: number): string {
  const fmt = (v: number | null, digits = 2) => (v === null ? 'n/a' : v.toFixed(digits));
  const lines = [
    '# Phase diagram: D_Φ needed for M memories',
    '',
    `Smallest D_Φ whose mean success rate reaches ${target} for each M, and the least-squares fit D_Φ = a + b·ln M (KHM: capacity exponential in D_Φ ⇔ needed D_Φ linear in ln M).`,
    '',
    '| model | smallest D_Φ per M | a | b | R² |',
    '| --- | --- | ---: | ---: | ---: |',
    ...fits.map((f) => `| ${f.model} | ${f.needed.map((n) => `M=${n.M}: ${n.featureDim}`).join(', ') || 'none reaches the target'} | ${fmt(f.a)} | ${fmt(f.b)} | ${fmt(f.r2, 3)} |`),
    '',
  ];
  return lines.join('\n');
}

/** Heatmap of one measure over M × D_Φ, one panel per model; the smallest sufficient D_Φ per M is outlined in red. */
export function phaseHeatmapSpec(cells: PhaseCell[], fits: PhaseFit[], measure: 'success' | 'metastable', title: string): TopLevelSpec {
  const isNeeded = (c: PhaseCell) => fits.some((f) => f.model === c.model && f.needed.some((n) => n.M === c.M && n.featureDim === c.featureDim));
  const values = cells.map((c) => ({ ...c, needed: isNeeded(c) }));
  const legend = measure === 'success' ? 'success rate' : 'metastable share (‖p‖ > 1)';
  const position = {
    x: { field: 'M', type: 'ordinal', title: 'memories M' },
    y: { field: 'featureDim', type: 'ordinal', sort: 'descending', title: 'D_Φ' },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    data: { values },
    facet: { row: { field: 'model', type: 'nominal', title: null } },
    spec: {
      width: 420,
      height: 260,
      layer: [
        {
          mark: { type: 'rect', strokeWidth: 3 },
          encoding: {
            ...position,
            color: { field: measure, type: 'quantitative', title: legend, scale: { domain: [0, 1], scheme: measure === 'success' ? 'viridis' : 'orangered' } },
            stroke: { condition: { test: 'datum.needed', value: 'red' }, value: null },
          },
        },
        {
          mark: { type: 'text', fontSize: 9 },
          encoding: { ...position, text: { field: measure, type: 'quantitative', format: '.2f' }, color: { value: 'white' } },
        },
      ],
    },
  } as TopLevelSpec;
}
