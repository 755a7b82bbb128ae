/**
 * The rates of the cost model, measured by a probe of about 1.5 s on the kernels a run uses (the
 * backend's matMul, softmax and sparsemax, l1, a few Stage I steps on both paths, normal draws, a
 * tiny cell), and kept per machine, backend, math and probe version in the user's cache folder
 * (UHOP_CACHE_DIR, else $XDG_CACHE_HOME/uhop or ~/.cache/uhop), so no bench has to run first.
 */
import { tf } from '../backend/tf.ts';
import { normalArray, rngFor } from '../random/prng.ts';
import { separations } from '../hopfield/separations.ts';
import { similarities } from '../hopfield/similarities.ts';
import { trainFeatureMap } from '../featuremap/train.ts';
import { trainMaxLossSgd } from '../featuremap/maxLossSgd.ts';
import { gemm64 } from '../backend/gemm64.ts';
import { spherePool } from '../data/synthetic.ts';
import { validateConfig } from '../config/load.ts';
import { resolveConfig } from '../config/parity.ts';
import { runCell } from '../experiments/cell.ts';
import { runStageOne } from '../experiments/stageOne.ts';
import { cachedRates, storeRates } from './calibrationCache.ts';
import { stageIFloat64Flops, type Rates } from './cost.ts';

/**
 * Fastest of `repeats` runs after a warm-up, in seconds: other work on the machine only ever slows a
 * run down, so the minimum is the steadiest reading of what the kernel costs (a median of three read
 * 2–10× high on a busy machine and was then cached).
 */
function seconds(run: () => void, repeats = 3): number {
  run();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return best;
}

function uniform(rows: number, cols: number, purpose: string): tf.Tensor2D {
  const rng = rngFor('calibration', purpose);
  return tf.tensor2d(Float32Array.from({ length: rows * cols }, () => rng.next()), [rows, cols]);
}

const spec = { similarity: 'dot', degree: 10, steps: 1, beta: 1, betaPlacement: 'logits', distanceSign: 'negative' } as const;

async function tinyCell(models: number): Promise<number> {
  const config = resolveConfig(
    validateConfig(
      {
        name: 'calibration',
        // a tiny cell at a data set's real width: a model's fixed costs (its tensors, metrics) grow with d
        dataset: { name: 'synthetic-sphere', dim: 784, count: 64, seed: 1 },
        memories: [8],
        corruption: { type: 'none' },
        metrics: { clamp: false },
        models: Array.from({ length: models }, (_, i) => ({ name: `m${i}` })),
      },
      'calibration',
    ),
  );
  const pool = spherePool({ dim: 784, count: 64, seed: 1 });
  await runCell(config, pool, { memories: 8, seed: 1 }, 'calibration');
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await runCell(config, pool, { memories: 8, seed: 1 }, 'calibration');
    times.push((performance.now() - started) / 1000);
  }
  return Math.min(...times);
}

/** Measures the rates on the backend in use (about 1.5 s on this project's 2-core machine). */
export async function probeRates(): Promise<Rates> {
  const d = 784;
  const a = uniform(256, d, 'a');
  const b = uniform(d, 1024, 'b');
  const gemm = seconds(() => tf.matMul(a, b).dispose(), 5) / (2 * 256 * d * 1024);
  const logits = tf.tidy(() => tf.mul(uniform(256, 1024, 'logits'), 8)) as tf.Tensor2D;
  const softmax = seconds(() => separations.softmax(logits, spec).dataSync()) / (256 * 1024);
  const sparse = seconds(() => separations.sparsemax(logits, spec).dataSync()) / (256 * 1024);
  const queries = uniform(64, d, 'l1-queries');
  const memories = uniform(256, d, 'l1-memories');
  const l1 = seconds(() => similarities.l1(queries, { rows: memories, cols: memories }, { ...spec, distanceSign: 'positive' }).dispose()) / (64 * 256 * d);
  // Stage I: U-Hop+ minibatch steps (tensor path; per-step cost minus the products) and the float64 max-loss path
  const features = 64;
  const train = uniform(64, d, 'stage-train');
  const w0 = tf.tensor2d(normalArray(rngFor('calibration', 'w0'), d * features, 0.05), [d, features]);
  const base = { lr: 0.01, lrSchedule: 'constant', project: false, plateau: null, bias: false, tau: 0.1, lossForm: 'coded', rng: rngFor('calibration', 'batches') } as const;
  const adamSteps = 8;
  // the fastest of three after a warm-up, as the other rates: one timed run was still in V8's warm-up (2-4× slow)
  const adam = seconds(() => trainFeatureMap(train, w0, { ...base, loss: 'uhop-plus', optimizer: 'adam', epochs: 1, batchSize: 64 / adamSteps }).weightsT.dispose(), 3);
  const stepFlops = 3 * 2 * 8 * d * features + 2 * 2 * 64 * features + 4 * d * features;
  const stageStep = Math.max(0, adam / adamSteps - stepFlops * gemm);
  // the max-loss float64 path, part by part: its products, its steps (per Gram entry), its passes over W
  const x64 = Float64Array.from(a.dataSync());
  const y64 = Float64Array.from(b.dataSync());
  const gemm64Rate = seconds(() => gemm64(x64, y64, 256, d, 256, false, true), 5) / (2 * 256 * d * 256);
  const n = 256;
  const gram = Float64Array.from(x64.subarray(0, n * n), (v) => v / 100);
  const stepEpochs = 20;
  const stepRun = () =>
    trainMaxLossSgd({ kernel: gram, features: x64.subarray(0, n * features), gram: gram.slice(), n, featureDim: features, epochs: stepEpochs, learningRate: { initial: 1e-6, inverseSqrtFactorial: false }, plateau: null });
  const gramEntry = seconds(stepRun, 3) / (stepEpochs * n * n);
  // a whole Stage I of 8 memories and one step, Φ: 784 → 256: all but its normal draws and products is passes over W
  const wide = 256;
  const few = tf.slice(train, [0, 0], [8, d]) as tf.Tensor2D;
  const stageConfig = resolveConfig(
    validateConfig(
      {
        name: 'calibration',
        dataset: { name: 'synthetic-sphere', dim: d, count: 64, seed: 1 },
        memories: [8],
        featureMap: { dim: wide, loss: 'max', optimizer: 'sgd', epochs: 1, lr: 10 },
        models: [{ name: 'u', featureMap: true }],
      },
      'calibration',
    ),
  );
  const fixedRun = seconds(() => runStageOne(stageConfig, few, d, { memories: 8, seed: 1, featureDim: wide }).dispose(), 3);
  const normal = seconds(() => normalArray(rngFor('calibration', 'normals'), d * wide), 3) / (d * wide);
  const products = stageIFloat64Flops(8, d, wide) * gemm64Rate + 4 * 8 * d * wide * gemm;
  const weightEntry = Math.max(0, fixedRun - products - d * wide * normal) / (d * wide);
  few.dispose();
  [a, b, logits, queries, memories, train, w0].forEach((t) => t.dispose());
  const one = await tinyCell(1);
  const three = await tinyCell(3);
  const model = Math.max(0, (three - one) / 2);
  return { gemm, gemm64: gemm64Rate, gramEntry, weightEntry, softmax, sparse, l1, stageStep, normal, cell: Math.max(0, one - model), model };
}

/** The rates for this machine and backend: from the cache when the probe ran before, else probed now and stored. */
export async function ratesFor(backendLabel: string): Promise<Rates> {
  const cached = cachedRates(backendLabel);
  if (cached) return cached;
  const rates = await probeRates();
  storeRates(backendLabel, rates);
  return rates;
}
