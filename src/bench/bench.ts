/**
 * Micro-benchmarks of the operations that dominate a run, on the backend in use. Speed is proved
 * here (`npm run bench`), never by timed assertions in tests.
 */
import { tf } from '../backend/tf.ts';
import { normalArray, rngFor } from '../random/prng.ts';
import { stageIObjective } from '../featuremap/losses.ts';
import { trainFeatureMap } from '../featuremap/train.ts';
import { similarities } from '../hopfield/similarities.ts';
import { stageIFloat64Flops } from '../runs/cost.ts';
import { linearSpace, pixelSpace, type FeatureSpace } from '../hopfield/featureSpace.ts';
import { retrieve, type RetrievalSpec } from '../hopfield/retrieval.ts';

export interface BenchRow {
  op: string;
  backend: string;
  ms: number;
  gflops: number;
  /** Whole processes: the `--dry-run` estimate of the same run, in ms. */
  estimateMs?: number;
}

function randomMatrix(rows: number, cols: number, purpose: string, std = 1): tf.Tensor2D {
  return tf.tensor2d(normalArray(rngFor('bench', purpose), rows * cols, std), [rows, cols]);
}

function uniformMatrix(rows: number, cols: number, purpose: string): tf.Tensor2D {
  const rng = rngFor('bench', purpose);
  return tf.tensor2d(Float32Array.from({ length: rows * cols }, () => rng.next()), [rows, cols]);
}

/** Median wall time of `repeats` runs after one warm-up; `run` must return what it wants disposed. */
function time(run: () => tf.Tensor | tf.Tensor[], repeats: number): number {
  const once = () => {
    const started = performance.now();
    const out = run();
    const list = Array.isArray(out) ? out : [out];
    list.forEach((t) => t.dataSync());
    const ms = performance.now() - started;
    list.forEach((t) => t.dispose());
    return ms;
  };
  once();
  const times = Array.from({ length: repeats }, once).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const softmaxSpec: RetrievalSpec = {
  similarity: 'dot',
  separation: 'softmax',
  degree: 10,
  steps: 1,
  beta: 1,
  betaPlacement: 'output',
  distanceSign: 'positive',
};

export function runBench(backend: string, repeats: number): BenchRow[] {
  const d = 784;
  const rows: BenchRow[] = [];
  const record = (op: string, flops: number, run: () => tf.Tensor | tf.Tensor[]) => {
    const ms = time(run, repeats);
    rows.push({ op, backend, ms, gflops: flops / ms / 1e6 });
  };

  const a = randomMatrix(1000, d, 'gemm-a');
  const b = randomMatrix(d, d, 'gemm-b');
  record('gemm 1000x784 . 784x784', 2 * 1000 * d * d, () => tf.matMul(a, b));
  record('gemm 1000x784 . (784x784)^T with transposeB flag', 2 * 1000 * d * d, () => tf.matMul(a, b, false, true));

  // One Stage I step of configs/mnist.json at M = 500: max loss on the first half (250 memories).
  const n = 250;
  const train = uniformMatrix(n, d, 'stage1-memories');
  const weightsT = tf.variable(randomMatrix(d, d, 'stage1-w'));
  const objective = stageIObjective('max', train);
  // forward XWᵀ and the Gram matrix; the fused max-loss backward is a rank-2 product
  const stepFlops = 2 * n * d * d + 2 * n * n * d + 2 * 2 * d * d;
  record('stage I step, max loss, 250 memories (M=500), d=784', stepFlops, () => {
    const { value, grads } = tf.variableGrads(() => objective.apply(weightsT), [weightsT]);
    return [value, ...Object.values(grads)];
  });

  // The whole Stage I of that cell on the float64 path (max loss, plain SGD, 100 steps)
  const sgd = { loss: 'max', epochs: 100, lr: 10, lrSchedule: 'constant', optimizer: 'sgd', project: false, batchSize: null, plateau: null, bias: false, tau: 0.1, lossForm: 'coded' } as const;
  record('stage I, max loss, 100 SGD steps, 250 memories (float64 path)', stageIFloat64Flops(n, d, d), () => trainFeatureMap(train, weightsT, sgd).weightsT);

  // l1 scores (UHN's l1 similarity, fused JS loop): 500 queries on 500 memories, dense queries and
  // queries with 90 % zeros (a dropout-corrupted MNIST digit), which take the sparse form
  const l1Queries = uniformMatrix(500, d, 'l1-queries');
  const l1Sparse = tf.tidy(() => tf.mul(l1Queries, tf.cast(tf.greater(uniformMatrix(500, d, 'l1-mask'), 0.9), 'float32'))) as tf.Tensor2D;
  const l1Memories = uniformMatrix(500, d, 'l1-memories');
  const l1Space = pixelSpace(l1Memories);
  for (const [label, queries] of [['', l1Queries], [', 90 % zero queries', l1Sparse]] as const) {
    record(`l1 scores, 500 queries x 500 memories${label}`, 3 * 500 * 500 * d, () =>
      similarities.l1(queries, l1Space.memories, { distanceSign: 'positive' }),
    );
  }
  l1Space.dispose();
  [l1Queries, l1Sparse, l1Memories].forEach((t) => t.dispose());

  // Batched retrieval: 1000 queries on 1000 memories, one step.
  const memories = uniformMatrix(1000, d, 'retrieval-memories');
  const queries = uniformMatrix(1000, d, 'retrieval-queries');
  const timeRetrieval = (op: string, flops: number, space: () => FeatureSpace) =>
    record(op, flops, () => {
      const s = space();
      const { states, weights } = retrieve(memories, s, queries, softmaxSpec);
      s.dispose();
      return [states, weights];
    });
  timeRetrieval('retrieval softmax, 1000 queries x 1000 memories', 2 * 2 * 1000 * 1000 * d, () => pixelSpace(memories));
  timeRetrieval('retrieval U-Hop softmax (incl. Phi of memories), 1000 x 1000', 2 * 2 * 1000 * 1000 * d + 2 * 2 * 1000 * d * d, () =>
    linearSpace(memories, weightsT),
  );

  [a, b, train, weightsT, memories, queries].forEach((t) => t.dispose());
  objective.dispose();
  return rows;
}
