/**
 * The 2-D figures (energy landscape, basins of attraction): the energy at grid points and the basin
 * of each point of a small grid against plain-JS float64 computations (test/oracle.ts), the U-Hop+
 * snapshots against a plain-JS SGD on the official loss, the config schema, the panel-change claim,
 * and a whole small run through the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import * as oracle from './oracle.ts';
import { assertClose, backend } from './helpers.ts';
import { figureConfigSchema, isFigureConfigFile, loadFigureConfig, resolveFigureConfig } from '../src/config/figureSchema.ts';
import {
  basinLabels,
  computeFigure,
  energiesAt,
  featureSnapshots,
  fixedPointMove,
  gridAround,
  localMinima,
  normalise,
  type Point,
} from '../src/experiments/landscape.ts';
import { initialWeightsT } from '../src/featuremap/linear.ts';
import { rngFor } from '../src/random/prng.ts';
import { checkPanelChange } from '../src/reproduce/panelClaims.ts';
import { claimSchema } from '../src/reproduce/recipe.ts';
import { figureSpec, panelsCsv } from '../src/output/landscapeFigures.ts';
import { renderSvg } from '../src/output/render.ts';

await backend();
const work = mkdtempSync(join(tmpdir(), 'uhop-landscape-'));

const memories = normalise([
  [1, 0.2],
  [-0.3, 1],
  [-0.8, -0.7],
]);
const states: Point[] = [
  [0.1, -0.2],
  [0.9, 0.3],
  [-0.5, 0.6],
  [0, 0],
  [-1.1, -0.9],
];
const separationOf = { 1: oracle.softmax, 1.5: oracle.entmax15, 2: oracle.sparsemax } as const;
type Alpha = keyof typeof separationOf;

/** Tsallis α-entropy, Shannon for α = 1, float64. */
function tsallis(p: number[], alpha: number): number {
  if (alpha === 1) return -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
  return p.reduce((s, v) => s + (v - v ** alpha), 0) / (alpha * (alpha - 1));
}

/** E(x) = ½‖x‖² − Ψ*(βΞx)/β with Ψ*(z) = ⟨p, z⟩ + H_α(p), p = α-entmax(z). */
function textbookEnergy(x: Point, alpha: Alpha, beta: number): number {
  const z = memories.map((xi) => beta * oracle.dot(xi, x));
  const p = separationOf[alpha](z);
  return oracle.dot(x, x) / 2 - (oracle.dot(p, z) + tsallis(p, alpha)) / beta;
}

/** The official forms as written in contours.py (energy2) and utils.py (energy), term by term. */
function officialEnergy(x: Point, alpha: Alpha, beta: number): number {
  const z = memories.map((xi) => beta * oracle.dot(xi, x));
  if (alpha === 1) return oracle.dot(x, x) / 2 - Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
  const n = memories.length;
  const p = separationOf[alpha](z);
  const uniform = (1 - n ** (1 - alpha)) / (alpha * (alpha - 1));
  const meanZ = z.reduce((a, b) => a + b, 0) / n;
  const fyGold = -uniform - meanZ;
  const fyPred = -tsallis(p, alpha) - oracle.dot(p, z);
  const fy = fyGold - fyPred;
  const meanMemory = [0, 1].map((k) => memories.reduce((s, xi) => s + xi[k], 0) / n);
  const maxSquare = Math.max(...memories.map((xi) => oracle.dot(xi, xi)));
  return -fy / beta - oracle.dot(x, meanMemory) + oracle.dot(x, x) / 2 + maxSquare / 2;
}

test('energy at grid points: textbook Fenchel–Young form and the official contours.py / utils.py forms, softmax, 1.5-entmax, sparsemax', () => {
  for (const alpha of [1, 1.5, 2] as const) {
    for (const beta of [1 / 0.9, 20]) {
      const scale = beta === 20 ? 20 : 1; // float32 logits of size 20: compare relative to that
      assertClose(energiesAt(states, memories, alpha, beta, 'textbook'), states.map((x) => textbookEnergy(x, alpha, beta)), 2e-6 * scale, `textbook α=${alpha} β=${beta}`);
      assertClose(energiesAt(states, memories, alpha, beta, 'official'), states.map((x) => officialEnergy(x, alpha, beta)), 2e-6 * scale, `official α=${alpha} β=${beta}`);
    }
  }
  // the two forms differ by the missing 1/β of the official softmax (not a constant), and by a constant for α > 1
  const text = energiesAt(states, memories, 1.5, 2, 'textbook');
  const official = energiesAt(states, memories, 1.5, 2, 'official');
  const offsets = text.map((t, i) => official[i] - t);
  assertClose(offsets, offsets.map(() => offsets[0]), 1e-6, 'constant offset for α > 1');
  assert.ok(Math.abs(offsets[0] - ((1 - 3 ** -0.5) / 0.75 / 2 + 0.5)) < 1e-6);
});

/** Plain-JS retrieval from each state and the memory it ends within `radius` of. */
function oracleBasins(points: Point[], alpha: Alpha, beta: number, steps: number, radius: number): number[] {
  return points.map((start) => {
    let x: number[] = [...start];
    for (let t = 0; t < steps; t++) {
      const p = separationOf[alpha](memories.map((xi) => beta * oracle.dot(xi, x)));
      x = [0, 1].map((k) => memories.reduce((s, xi, mu) => s + p[mu] * xi[k], 0));
    }
    const hits = memories.map((xi, mu) => ({ mu, d: Math.hypot(x[0] - xi[0], x[1] - xi[1]) })).filter((h) => h.d < radius);
    return hits.length ? hits.sort((a, b) => a.d - b.d)[0].mu : -1;
  });
}

test('basin of each point of a small grid against plain-JS retrieval; grid layout as numpy meshgrid + ravel', () => {
  const grid = gridAround(memories, 9, 0.1);
  assert.equal(grid.points.length, 81);
  assert.deepEqual(grid.points[1], [grid.xs[1], grid.ys[0]], 'x runs fastest');
  assert.ok(Math.abs(grid.xs[0] - (Math.min(...memories.map((m) => m[0])) - 0.1)) < 1e-12);
  assert.ok(Math.abs(grid.ys[8] - (Math.max(...memories.map((m) => m[1])) + 0.1)) < 1e-12);
  for (const [alpha, beta] of [
    [1, 20],
    [1.5, 20],
    [2, 20],
    [2, 3],
    [1, 3],
  ] as const) {
    const got = Array.from(basinLabels(grid.points, memories, alpha, beta, 5, 0.001));
    const expected = oracleBasins(grid.points, alpha, beta, 5, 0.001);
    const differ = got.filter((g, i) => g !== expected[i]).length;
    assert.equal(differ, 0, `α=${alpha} β=${beta}: ${differ} of 81 points differ`);
    if (alpha === 1 && beta === 3) assert.ok(got.some((g) => g < 0), 'a warm softmax leaves mixtures (white)');
    if (beta === 20) assert.ok(new Set(got).size >= 3, 'a cold map has a basin per memory');
  }
  // sparsemax at β = 20: well-separated memories are exact fixed points; a warm softmax moves them
  assert.equal(fixedPointMove(memories, 2, 20), 0);
  assert.ok(fixedPointMove(memories, 1, 1) > 0.1);
});

test('local minima: strict, interior only', () => {
  const values = [5, 5, 5, 5, 5, 5, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 2, 5, 0, 5, 5, 5, 5]; // 5 × 5: 1 at (1, 1), 2 at (3, 3), 0 at (4, 0)
  assert.equal(localMinima(values, 5), 2, 'the 1 and the 2; the 0 is on the edge');
  assert.equal(localMinima(new Array(25).fill(1), 5), 0, 'a plateau has no strict minimum');
});

test('U-Hop+ snapshots: N = 0 is the raw memories; N ≥ 1 = normalised Φ_N(Ξ), Φ_N after N plain-JS SGD steps on the official loss', () => {
  const config = loadFigureConfig('configs/energy-landscape.json', ['iterations=[0,1,3]']);
  const raw = normalise([
    [0.9, 0.4],
    [0.7, 0.8],
    [-0.2, 1],
  ]);
  const snapshots = featureSnapshots(raw, config, 7, 0);
  assert.deepEqual(snapshots[0].memories, raw);
  // oracle: Wᵀ with a bias row, from the same generator; F = [x, 1]·Wᵀ; W ← W − lr·[x, 1]ᵀ·dL/dF
  const w = Array.from(initialWeightsT(2, 2, config.featureMap, rngFor(7, 0, 'phi-init')));
  const inputs = raw.map((p) => [...p, 1]);
  const features = () => inputs.map((x) => [0, 1].map((c) => x.reduce((s, v, r) => s + v * w[r * 2 + c], 0)));
  for (let step = 1; step <= 3; step++) {
    const { gradient } = oracle.codedUhopPlus(features(), 1);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 2; c++) w[r * 2 + c] -= 0.1 * inputs.reduce((s, x, i) => s + x[r] * gradient[i][c], 0);
    if (step === 1 || step === 3) {
      const expected = features().map((f) => f.map((v) => v / oracle.norm(f)));
      const got = snapshots[step === 1 ? 1 : 2].memories;
      assertClose(got.flat(), expected.flat(), 1e-5, `N = ${step}`);
      assert.ok(Math.abs(snapshots[step === 1 ? 1 : 2].loss - oracle.codedUhopPlus(expected, 1).loss) < 1e-5);
    }
  }
});

test('figure config: strict fields, exactly one of beta and temperature, kind decides the loader', () => {
  const base = JSON.parse(readFileSync('configs/basins.json', 'utf8'));
  assert.ok(figureConfigSchema.safeParse(base).success);
  const issues = (raw: unknown) => (figureConfigSchema.safeParse(raw).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.match(issues({ ...base, energy: 'official' }).join(), /Unrecognized key/, 'energy is a landscape field');
  assert.match(issues({ ...base, cases: [{ memories: 3, beta: 2, temperature: 0.5 }] }).join(), /cases\.0\.beta: give exactly one/);
  assert.match(issues({ ...base, iterations: [0, 5, 2] }).join(), /iterations: must be increasing/);
  const resolved = resolveFigureConfig(figureConfigSchema.parse({ ...base, parity: 'textbook' }));
  assert.equal(resolved.featureMap.lossForm, 'smooth-max');
  assert.deepEqual(resolved.seeds, [1]);
  assert.ok(isFigureConfigFile('configs/basins.json'));
  assert.ok(!isFigureConfigFile('configs/mnist.json'));
  const points = computeFigure(loadFigureConfig('configs/basins.json', ['grid=4', 'iterations=[0]', 'cases=[{"memories":[[2,0],[0,3]],"beta":5}]']));
  assert.deepEqual(points.panels[0].memories, [
    [1, 0],
    [0, 1],
  ], 'given points are normalised onto the circle');
});

test('panel-change claim: per case × α, paired by seed; memory measures once per case; filters', () => {
  const dir = join(work, 'claim');
  const panels = [
    // case, memories, seed, N, alpha, deltaMin, convergedShare
    [0, 5, 1, 0, 1, 0.2, 0.5],
    [0, 5, 1, 5, 1, 0.3, 0.7],
    [0, 5, 2, 0, 1, 0.2, 0.5],
    [0, 5, 2, 5, 1, 0.1, 0.6],
    [0, 5, 3, 0, 1, 0.2, 0.5],
    [0, 5, 3, 5, 1, 0.25, 0.4],
    [0, 5, 1, 0, 2, 0.2, 0.5],
    [0, 5, 1, 5, 2, 0.3, 0.4],
  ];
  const header = 'case,memories,beta,seed,iterations,alpha,separation,deltaMin,convergedShare';
  const label = (alpha: number) => (alpha === 1 ? 'softmax' : 'sparsemax');
  const csv = [header, ...panels.map(([c, m, s, N, a, d, share]) => [c, m, 20, s, N, a, label(a), d, share].join(','))].join('\n');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'panels.csv'), `${csv}\n`);
  const claim = (fields: object) => claimSchema.parse({ kind: 'panel-change', id: 'c', text: 't', to: 5, direction: 'rises', metric: 'convergedShare', ...fields });
  // softmax: changes +0.2, +0.1, −0.1 → median +0.1; sparsemax: −0.1
  const both = checkPanelChange(claim({}) as never, [dir]);
  assert.equal(both.holds, false);
  assert.match(both.value, /\+0\.1\d* \(softmax\), -0\.1\d* \(sparsemax\)/);
  assert.equal(checkPanelChange(claim({ alphas: [1] }) as never, [dir]).holds, true);
  assert.equal(checkPanelChange(claim({ alphas: [2], direction: 'falls' }) as never, [dir]).holds, true);
  assert.equal(checkPanelChange(claim({ statistic: 'mean', alphas: [1] }) as never, [dir]).holds, true);
  // Δ_min is a measure of the memories: one comparison per case (median of +0.1, −0.1, +0.05 = +0.05)
  const separation = checkPanelChange(claim({ metric: 'deltaMin' }) as never, [dir]);
  assert.match(separation.value, /\+0\.05\d* \(5 memories\); 3 seeds$/);
  assert.equal(checkPanelChange(claim({ memories: 4 }) as never, [dir]).holds, false, 'no panel selected: fails');
  assert.throws(() => checkPanelChange(claim({}) as never, [join(work, 'none')]), /panels\.csv is missing/);
});

test('figure: one panel per case × N × α with the memories marked; panels.csv has a row per seed', async () => {
  const config = loadFigureConfig('configs/energy-landscape.json', ['grid=6', 'seeds=2', 'iterations=[0,2]']);
  const { panels } = computeFigure(config);
  assert.equal(panels.length, 2 * 2 * 2 * 3);
  const csv = parse(panelsCsv(panels, config, 'test'), { columns: true }) as Array<Record<string, string>>;
  assert.equal(csv.length, 24);
  assert.deepEqual(new Set(csv.map((r) => r.memories)), new Set(['2', '4']));
  const svg = await renderSvg(figureSpec(panels.filter((p) => p.seed === 1), config));
  assert.equal((svg.match(/>softmax</g) ?? []).length, 2, 'a column title per case');
  assert.equal((svg.match(/>N = 2</g) ?? []).length, 2, 'a row label per case');
});

function uhop(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/uhop', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('uhop run on a basins config: files, deterministic panels.csv; unused options are errors', () => {
  const out = join(work, 'run');
  const small = ['--set', 'grid=12', '--set', 'seeds=2', '--set', 'iterations=[0,1]'];
  const first = uhop('run', 'configs/basins.json', '--out', out, ...small);
  assert.equal(first.code, 0, first.stderr);
  const table = readFileSync(join(out, 'panels.csv'), 'utf8');
  assert.equal(table.trim().split('\n').length, 1 + 2 * 2 * 3);
  const png = readFileSync(join(out, 'basins.png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.equal(uhop('run', 'configs/basins.json', '--out', out, ...small).code, 0);
  assert.equal(readFileSync(join(out, 'panels.csv'), 'utf8'), table, 'same config, same table');
  assert.equal(uhop('run', 'configs/basins.json', '--out', out, '--shard', '1/2').code, 2);
  const dry = uhop('run', 'configs/basins.json', '--dry-run');
  assert.match(dry.stdout, /basins figure, 1 case\(s\) × N ∈ \{0, 1, 2, 5\}/);
});

test('uhop reproduce + verify on the figure recipes: listed with their grid, claims read from panels.csv', () => {
  const list = uhop('reproduce', '--list');
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /khm-energy-landscape .*ci 40×40 grid, 24 panels × 50 seed\(s\); full 40×40 grid, 24 panels × 100 seed\(s\)/);
  assert.match(list.stdout, /khm-basins .*ci 50×50 grid, 12 panels × 50 seed\(s\); full 100×100 grid/);
  const out = join(work, 'paper');
  const small = ['--set', 'grid=8', '--set', 'seeds=3'];
  assert.equal(uhop('reproduce', 'khm-energy-landscape', '--out', out, ...small).code, 0);
  const run = JSON.parse(readFileSync(join(out, 'khm-energy-landscape', 'recipe-run.json'), 'utf8'));
  assert.equal(run.experiment, 'landscape');
  const verify = uhop('verify', out);
  assert.match(verify.stdout, /(pass|FAIL) {2}khm-energy-landscape\/iterations-separate: median change of deltaMin, N = 1 → 5: .*\(2 memories\), .*\(4 memories\); 3 seeds/);
  assert.match(readFileSync(join(out, 'claims.md'), 'utf8'), /\| khm-energy-landscape \|/);
});
