import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from 'vega-lite';
import { errorVsLogitScaleSpec, errorVsMemoriesSpec } from '../src/output/plot.ts';
import { renderFigure, renderSvg } from '../src/output/render.ts';
import { startFigureThread } from '../src/output/figureThread.ts';
import type { TopLevelSpec } from 'vega-lite';
import { phaseCells, phaseFits, phaseHeatmapSpec } from '../src/output/phase.ts';
import { symlogAxis, dodgeFactors } from '../src/output/style.ts';
import type { SummaryRow } from '../src/output/tables.ts';
import type { ModelRecord } from '../src/experiments/records.ts';

function row(model: string, M: number, mean: number, extra: Partial<SummaryRow> = {}): SummaryRow {
  return {
    model, modelName: model.replace(/ · D_Φ = \d+$/, ''), label: model, featureDim: 784, M, n: 3, mean, std: mean / 4, median: mean, min: mean, max: mean, ciLow: mean * 0.9, ciHigh: mean * 1.1,
    exactRate: 1, successRate: 1, logitScale: 10 * M, metastableShare: 0, supportHistogram: [], ...extra,
  } as SummaryRow;
}

/** mnist-like: a baseline in the hundreds, two U-Hop variants with exactly equal, near-zero errors. */
const memories = [10, 20, 50, 100];
const rows = [
  ...memories.map((M) => row('poly-10', M, 300 + M)),
  ...memories.map((M, i) => row('U-Hop softmax', M, [0, 0, 0.02, 1.2][i])),
  ...memories.map((M, i) => row('U-Hop sparsemax', M, [0, 0, 0.02, 1.2][i])),
];

/** The scale of one name in a compiled vega spec. */
function scale(spec: ReturnType<typeof compile>['spec'], name: string) {
  const found = (spec.scales ?? []).find((s) => s.name === name);
  assert.ok(found, `scale ${name} missing`);
  return found as unknown as { range?: unknown; domain?: unknown };
}

test('symlog axis: ticks from the smallest non-zero value up to the largest, not only 0 and 50+', () => {
  const axis = symlogAxis([0, 0.0195, 3.9, 462]);
  assert.equal(axis.constant, 0.01);
  assert.deepEqual(axis.ticks, [0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000]);
  assert.deepEqual(axis.domain, [0, 1000]);
  // a narrow range gets 1-2-5 steps and stops at the first tick above the data
  assert.deepEqual(symlogAxis([0, 1.5, 8]).ticks, [0, 1, 2, 5, 10]);
  assert.deepEqual(symlogAxis([0, 0]).ticks, [0, 1]);
});

test('error vs M: equal series keep their own dash and marker, are nudged apart, and both are drawn', async () => {
  const spec = errorVsMemoriesSpec(rows, 't');
  const vega = compile(spec).spec;
  const dashes = scale(vega, 'strokeDash').range as number[][];
  const shapes = scale(vega, 'shape').range as string[];
  assert.equal(new Set(dashes.map((d) => d.join(','))).size, 3, 'three dash patterns');
  assert.equal(new Set(shapes).size, 3, 'three marker shapes');
  const data = (spec as { data: { values: Array<{ model: string; M: number; x: number }> } }).data.values;
  const xOf = (model: string) => data.find((d) => d.model === model && d.M === 50)!.x;
  assert.notEqual(xOf('U-Hop softmax'), xOf('U-Hop sparsemax'), 'equal series are nudged apart');
  assert.ok(Math.abs(xOf('U-Hop softmax') / 50 - 1) < 0.05, 'by less than 5 %');
  const svg = await renderSvg(spec);
  const dashArrays = new Set([...svg.matchAll(/stroke-dasharray="([^"]+)"/g)].map((m) => m[1]));
  assert.ok(dashArrays.size >= 2, `dashed and solid lines in the SVG (${[...dashArrays]})`);
  // the y axis has labels below 1 (where U-Hop sits), not only 0 and the hundreds
  assert.match(svg, />0\.01</);
  assert.match(svg, />0\.3</);
  const logit = await renderSvg(errorVsLogitScaleSpec(rows, 't'));
  assert.match(logit, />0\.01</, 'error vs logit scale: ticks where the best models sit');
  assert.match(logit, />3</);
});

test('more than ten series: tableau20, not a recycled tableau10; several D_Φ: colour = D_Φ, dash = model', () => {
  const many = Array.from({ length: 14 }, (_, i) => row(`model ${i}`, 10, i + 1));
  assert.deepEqual(scale(compile(errorVsMemoriesSpec(many, 't')).spec, 'color').range, { scheme: 'tableau20' });
  const dims = [2, 4, 8, 16, 32, 64, 128];
  const phase = ['U-Hop+', 'sparsemax + U-Hop+'].flatMap((model) =>
    dims.map((featureDim) => row(`${model} · D_Φ = ${featureDim}`, 64, featureDim, { featureDim })),
  );
  const vega = compile(errorVsMemoriesSpec(phase, 't')).spec;
  const colors = scale(vega, 'color').range as string[];
  assert.equal(new Set(colors).size, 7, 'one colour per D_Φ');
  assert.deepEqual(scale(vega, 'strokeDash').domain, ['U-Hop+', 'sparsemax + U-Hop+']);
});

test('one M and one-point series are drawn as points', async () => {
  const svg = await renderSvg(errorVsMemoriesSpec([row('a', 10, 5), row('b', 10, 7)], 't'));
  const symbols = svg.match(/<g class="mark-symbol[^>]*>(.*?)<\/g>/s);
  assert.ok(symbols, 'a symbol mark');
  assert.equal(symbols[1].match(/<path/g)?.length, 2, 'one marker per series');
  const logit = await renderSvg(errorVsLogitScaleSpec([row('a', 10, 5), row('b', 20, 7)], 't'));
  assert.equal(logit.match(/<g class="mark-symbol[^>]*>(.*?)<\/g>/s)?.[1].match(/<path/g)?.length, 2);
});

function record(featureDim: number, M: number, histogram: number[], shares: Partial<ModelRecord>): ModelRecord {
  return { model: 'U-Hop+', featureMap: true, control: 'normalized', featureDim, M, seed: 0, successRate: 0, metastableShare: 0, supportHistogram: histogram, convergedTarget: 0, convergedOther: 0, notConverged: 1, ...shares } as ModelRecord;
}

test('metastable heatmap: a cell whose p is diffuse says so instead of "0.00"; the legend title is whole', async () => {
  const records = [
    record(2, 4096, [1, 0, 0], { metastableShare: 0 }), // nothing above the threshold: diffuse
    record(2, 1024, [0, 0, 1], { metastableShare: 1 }), // metastable mixture
    record(8, 1024, [0, 1, 0], { metastableShare: 0, successRate: 1, convergedTarget: 1, notConverged: 0 }),
  ];
  const cells = phaseCells(records);
  assert.deepEqual(cells.map((c) => c.diffuse), [1, 0, 0]);
  const svg = await renderSvg(phaseHeatmapSpec(cells, phaseFits(cells, 0.95), 'metastable', 't'));
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.ok(texts.includes('diffuse'), 'the diffuse cell is labelled');
  assert.equal(texts.filter((t) => t === '0.00').length, 1, 'only the converged cell reads 0.00');
  assert.ok(texts.includes('metastable share (‖p‖ &gt; 1)'), `legend title whole: ${texts.filter((t) => t.startsWith('metastable'))}`);
  assert.ok(texts.some((t) => t.startsWith('diffuse p')), 'a legend entry for diffuse cells');
});

test('dodge factors are symmetric around 1 and stay within their span however many series', () => {
  const factors = dodgeFactors(3);
  assert.equal(factors[1], 1);
  assert.ok(Math.abs(factors[0] * factors[2] - 1) < 1e-12);
  assert.ok(Math.abs(factors[2] - 10 ** 0.01) < 1e-12, 'a hundredth of a decade apart');
  const many = dodgeFactors(42);
  assert.ok(Math.abs(Math.log10(many[41] / many[0]) - 0.1) < 1e-12, 'all 42 within 0.1 decades');
  assert.deepEqual(dodgeFactors(1), [1]);
});

test('the figure thread draws the same SVG and PNG as this thread; a bad spec fails with its message; close ends it', async () => {
  const spec = errorVsMemoriesSpec(rows, 'figure thread');
  const thread = await startFigureThread();
  try {
    const [there, here] = await Promise.all([thread.render(spec), renderFigure(spec)]);
    assert.equal(there.svg, here.svg);
    assert.ok(there.png.length > 1000);
    assert.deepEqual(Buffer.from(there.png), Buffer.from(here.png));
    const bad = { ...spec, layer: undefined, mark: 'no-such-mark' } as unknown as TopLevelSpec;
    await assert.rejects(thread.render(bad), /^Error: figure thread: TypeError: .*vega-lite/s);
    // the thread goes on after a failed figure
    assert.equal((await thread.render(spec)).svg, here.svg);
  } finally {
    await thread.close();
  }
  await assert.rejects(thread.render(spec), /figure thread ended/);
});
