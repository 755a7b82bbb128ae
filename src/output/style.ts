/**
 * What keeps uhop's line charts legible: each series gets its own colour, dash pattern and open
 * marker (two series with equal values stay visible, one drawn through the other), a palette that
 * stays distinct past ten series, and symlog axes whose ticks sit where the data are.
 */

/** Dash patterns in series order (solid first). */
export const DASHES: number[][] = [[1, 0], [6, 3], [2, 2], [9, 3, 2, 3], [1, 3], [12, 4], [4, 2, 1, 2, 1, 2], [3, 5]];

/** Marker shapes in series order; drawn open, so that two markers at one spot both show. */
export const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'triangle-down', 'cross', 'triangle-right', 'triangle-left'];

export type Channel = 'color' | 'strokeDash' | 'shape';

/** Colour, dash and shape encodings of one nominal field over `names` (in that order), sharing one legend. */
export function seriesEncodings(field: string, names: string[], title: string, channels: Channel[] = ['color', 'strokeDash', 'shape']) {
  const base = { field, type: 'nominal' as const, title, sort: names };
  const legend = { labelLimit: 400, titleLimit: 400, symbolStrokeWidth: 2, symbolSize: 120 };
  const scales: Record<Channel, object> = {
    color: { domain: names, scheme: names.length > 10 ? 'tableau20' : 'tableau10' },
    strokeDash: { domain: names, range: names.map((_, i) => DASHES[i % DASHES.length]) },
    shape: { domain: names, range: names.map((_, i) => SHAPES[i % SHAPES.length]) },
  };
  return Object.fromEntries(channels.map((channel) => [channel, { ...base, scale: scales[channel], legend }])) as Record<Channel, object>;
}

/**
 * Multiplicative nudges (×10^(±k·step)) spreading `count` series around each x on a log axis, so
 * that series with equal values are drawn side by side instead of on top of each other; all of them
 * within `span` decades (±12 % for the default 0.1), however many series there are.
 */
export function dodgeFactors(count: number, step = 0.01, span = 0.1): number[] {
  const width = count > 1 ? Math.min(step, span / (count - 1)) : 0;
  return Array.from({ length: count }, (_, i) => 10 ** ((i - (count - 1) / 2) * width));
}

export interface SymlogAxis {
  /** Width of the linear part around 0: a power of ten at or below the smallest positive value (1e-3 … 1). */
  constant: number;
  /** Tick values: 0, then 1-2-5 (or 1-3, or decades when the range is wide) up to the first tick ≥ the largest value. */
  ticks: number[];
  domain: [number, number];
}

/** A symlog axis fitted to non-negative data (errors): ticks from the smallest non-zero value up. */
export function symlogAxis(values: number[]): SymlogAxis {
  const finite = values.filter((v) => Number.isFinite(v) && v >= 0);
  const positive = finite.filter((v) => v > 0);
  const largest = Math.max(0, ...finite);
  const smallest = positive.length ? Math.min(...positive) : 1;
  const low = Math.min(0, Math.max(-3, Math.floor(Math.log10(smallest))));
  const constant = 10 ** low;
  if (largest <= 0) return { constant, ticks: [0, 1], domain: [0, 1] };
  const high = Math.ceil(Math.log10(largest));
  const decades = high - low;
  const steps = decades <= 3 ? [1, 2, 5] : decades <= 5 ? [1, 3] : [1];
  const ticks = [0];
  for (let e = low; e <= high; e++) {
    for (const s of steps) {
      const tick = Number((s * 10 ** e).toPrecision(6));
      if (ticks[ticks.length - 1] >= largest) break;
      ticks.push(tick);
    }
  }
  return { constant, ticks, domain: [0, ticks[ticks.length - 1]] };
}

/** Distinct colours in hue order (navy → magenta), for an ordered field such as D_Φ. */
export const ORDERED = ['#1f3b8f', '#2f7fc1', '#1fa3a3', '#3aa03a', '#a39b00', '#e08a00', '#d0402a', '#a0207a', '#5b2a86'];

/** A series of a line chart: its label (unique), the model it belongs to and its D_Φ. */
export interface SeriesKey {
  /** The series' label. */
  model: string;
  /** The model's configured name, where the label says more (D_Φ, swept values). */
  name?: string;
  featureDim: number;
}

/** The model's name without the " · D_Φ = D" that tables add when a config spans several D_Φ. */
export function baseModelName(series: SeriesKey): string {
  if (series.name !== undefined) return series.name;
  const suffix = ` · D_Φ = ${series.featureDim}`;
  return series.model.endsWith(suffix) ? series.model.slice(0, -suffix.length) : series.model;
}

/**
 * How the series of one chart are told apart. One D_Φ: each series (model) its own colour, dash
 * and marker. Several D_Φ: colour = D_Φ (ordered), dash and marker = model, so that 14 series read as
 * 7 D_Φ × 2 models instead of 14 unrelated colours. `line` goes on the line layer, `point` on the
 * marker layer; the data rows need `model` (the series label), `name` (baseModelName) and `featureDim`.
 */
export function seriesStyle(series: SeriesKey[]) {
  const labels = [...new Set(series.map((s) => s.model))];
  const dims = [...new Set(series.map((s) => s.featureDim))].sort((a, b) => a - b);
  if (dims.length <= 1) {
    const { color, strokeDash, shape } = seriesEncodings('model', labels, 'model');
    return { labels, line: { color, strokeDash }, point: { color, shape }, legendFields: ['model'] };
  }
  const names = [...new Set(series.map(baseModelName))];
  const { strokeDash, shape } = seriesEncodings('name', names, 'model', ['strokeDash', 'shape']);
  const color = {
    field: 'featureDim',
    type: 'ordinal' as const,
    title: 'D_Φ',
    sort: dims,
    scale: dims.length <= ORDERED.length ? { domain: dims, range: ORDERED.slice(0, dims.length) } : { domain: dims, scheme: 'turbo' },
    legend: { titleLimit: 400 },
  };
  return { labels, line: { color, strokeDash, detail: { field: 'model' } }, point: { color, shape }, legendFields: ['name', 'featureDim'] };
}

/**
 * Legend-bound selections, one per field: in report.html a click on a legend entry shows that series
 * alone (shift-click adds more, a click on the background shows all again). `opacity(full)` is the
 * encoding that fades the others; with nothing selected (every static SVG) all marks are full.
 */
export function legendToggle(fields: string[]) {
  const params = fields.map((field, i) => ({ name: `legend_${i}`, select: { type: 'point' as const, fields: [field] }, bind: 'legend' as const }));
  const test = params.length === 1 ? { param: params[0].name } : { and: params.map((p) => ({ param: p.name })) };
  return { params, opacity: (full: number) => ({ condition: { test, value: full }, value: 0.07 }) };
}
