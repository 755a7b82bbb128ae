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
  /** Mean shares of queries whose p has no entry above the support threshold (‖p‖ = 0: p spread over many memories), and of queries ending near their target, near another memory, near none. */
  diffuse: number;
  convergedTarget: number;
  convergedOther: number;
  notConverged: number;
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

/** The fields of a record the phase diagram reads (cells.csv rows have them too, all but the ‖p‖ histogram). */
type PhaseRecord = Pick<ModelRecord, 'model' | 'M' | 'seed' | 'featureDim' | 'sweep' | 'featureMap' | 'successRate' | 'metastableShare' | 'convergedTarget' | 'convergedOther' | 'notConverged'> &
  Partial<Pick<ModelRecord, 'supportHistogram'>>;

/** Mean success and metastable share over seeds, per learned-Φ model × M × D_Φ. */

export function phaseCells(records: PhaseRecord[]): PhaseCell[] {
  const groups = new Map<string, PhaseRecord[]>();
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
    diffuse: mean(group.map((r) => r.supportHistogram?.[0] ?? 0)),
    convergedTarget: mean(group.map((r) => r.convergedTarget)),
    convergedOther: mean(group.map((r) => r.convergedOther)),
    notConverged: mean(group.map((r) => r.notConverged)),
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

/** A cell is drawn as "diffuse" when at least this share of its queries ends with ‖p‖ = 0. */
export const DIFFUSE_SHARE = 0.5;

/**
 * Heatmap of one measure over M × D_Φ, one panel per model; the smallest sufficient D_Φ per M is
 * outlined in red. In the metastable map, cells where most queries end with a diffuse p (no entry
 * above the support threshold, so neither one memory nor a metastable mixture) are grey and say
 * "diffuse" instead of reading as "metastable 0.00".
 */
export function phaseHeatmapSpec(cells: PhaseCell[], fits: PhaseFit[], measure: 'success' | 'metastable', title: string): TopLevelSpec {
  const isNeeded = (c: PhaseCell) => fits.some((f) => f.model === c.model && f.needed.some((n) => n.M === c.M && n.featureDim === c.featureDim));
  const marksDiffuse = measure === 'metastable';
  const values = cells.map((c) => {
    const isDiffuse = marksDiffuse && c.diffuse >= DIFFUSE_SHARE;
    return { ...c, needed: isNeeded(c), isDiffuse, state: isDiffuse ? DIFFUSE_LABEL : null, label: isDiffuse ? 'diffuse' : c[measure].toFixed(2) };
  });
  const legend = measure === 'success' ? 'success rate' : 'metastable share (‖p‖ > 1)';
  const position = {
    x: { field: 'M', type: 'ordinal', title: 'memories M', axis: { labelAngle: 0 } },
    y: { field: 'featureDim', type: 'ordinal', sort: 'descending', title: 'D_Φ' },
  } as const;
  // dark text on light cells: the high end of viridis, the low end of orangered
  const light = measure === 'success' ? `datum.success > 0.6` : `datum.metastable < 0.5 || datum.isDiffuse`;
  const share = (field: string, title: string) => ({ field, type: 'quantitative' as const, title, format: '.3f' });
  const tooltip = [
    { field: 'model' },
    { field: 'M' },
    { field: 'featureDim', title: 'D_Φ' },
    share('success', 'success rate'),
    share('metastable', 'metastable (‖p‖ > 1)'),
    share('diffuse', 'diffuse (‖p‖ = 0)'),
    share('convergedTarget', 'converged to target'),
    share('convergedOther', 'converged to another memory'),
    share('notConverged', 'converged to none'),
  ];
  const layer: object[] = [
    {
      mark: { type: 'rect', strokeWidth: 3 },
      encoding: {
        ...position,
        color: { field: measure, type: 'quantitative', title: legend, scale: { domain: [0, 1], scheme: measure === 'success' ? 'viridis' : 'orangered' }, legend: { titleLimit: 400 } },
        tooltip,
      },
    },
  ];
  if (values.some((v) => v.isDiffuse)) {
    layer.push({
      transform: [{ filter: 'datum.isDiffuse' }],
      mark: { type: 'rect', strokeWidth: 3 },
      encoding: {
        ...position,
        fill: { field: 'state', type: 'nominal', title: null, scale: { domain: [DIFFUSE_LABEL], range: ['#bdbdbd'] }, legend: { labelLimit: 400 } },
        tooltip,
      },
    });
  }
  // outlines last, so that no neighbouring cell covers half of one
  layer.push({ transform: [{ filter: 'datum.needed' }], mark: { type: 'rect', fill: null, stroke: 'red', strokeWidth: 3 }, encoding: position });
  layer.push({
    mark: { type: 'text', fontSize: 10 },
    encoding: { ...position, text: { field: 'label' }, color: { condition: { test: light, value: 'black' }, value: 'white' }, tooltip },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    data: { values },
    facet: { row: { field: 'model', type: 'nominal', title: null, header: { labelLimit: 400 } } },
    spec: { width: 420, height: 260, layer },
  } as TopLevelSpec;
}

const DIFFUSE_LABEL = `diffuse p (‖p‖ = 0 for ≥ ${DIFFUSE_SHARE * 100} % of queries)`;
