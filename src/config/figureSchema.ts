/**
 * Configs of the two-dimensional figures of KHM / U-Hop+ (`kind: "landscape"` and `kind: "basins"`):
 * a few memories on the unit circle, a grid of states around them, and the U-Hop+ map Φ: R² → R²
 * after N Stage I iterations. These are not capacity sweeps (no M × seed cells), so they have their
 * own schema; `uhop run`, `uhop validate` and `uhop reproduce` tell the two apart by `kind`.
 */
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { applyOverride, formatIssues, parseOverride, readConfigFile } from './load.ts';

export const figureKinds = ['landscape', 'basins'] as const;
export type FigureKind = (typeof figureKinds)[number];

const point = z.tuple([z.number(), z.number()]);

export const figureCaseSchema = z
  .object({
    memories: z
      .union([z.number().int().min(2), z.array(point).min(2)])
      .describe('a count (Gaussian directions normalised onto the unit circle, drawn from each seed, as the official scripts) or the points themselves (normalised)'),
    beta: z.number().positive().optional().describe('inverse temperature β'),
    temperature: z.number().positive().optional().describe('β = 1/temperature, as the official scripts write it'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if ((spec.beta === undefined) === (spec.temperature === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['beta'], message: 'give exactly one of beta and temperature' });
    }
  });

const figureFeatureMapSchema = z
  .object({
    optimizer: z.enum(['sgd', 'adam']).describe('SGD (official contours.py) or Adam (official basins.py)'),
    lr: z.number().positive().default(0.1).describe('learning rate'),
    tau: z.number().positive().default(1).describe('temperature τ of the U-Hop+ separation loss'),
    lossForm: z
      .enum(['coded', 'smooth-max'])
      .optional()
      .describe('official feature_map.py::separation_loss or the paper\'s τ·log Σ_{μ<ν} exp(⟨φ̂_μ, φ̂_ν⟩/τ) (default: by parity)'),
    init: z.enum(['normal', 'kaiming-normal']).default('kaiming-normal').describe('W_0: N(0, initStd²) or Kaiming normal N(0, 2/d) as nn.Linear + kaiming_normal_'),
    initStd: z.number().positive().default(1).describe('standard deviation of the "normal" init'),
    bias: z.boolean().default(true).describe('Φ(x) = Wx + b (nn.Linear), b_0 ~ U(±1/√2)'),
  })
  .strict()
  .describe('Stage I of Φ: R² → R² on the memories, full batch, one gradient step per iteration');

const increasing = (values: number[]) => values.every((v, i) => i === 0 || v > values[i - 1]);

const common = {
  $schema: z.string().optional().describe('path of the JSON Schema, for editors'),
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only (it names the results folder)')
    .describe('experiment name; results go to results/<name>/'),
  description: z.string().optional(),
  parity: z
    .enum(['official', 'textbook'])
    .default('official')
    .describe('default of the loss form (and of the landscape\'s energy form): the official scripts or the paper'),
  seeds: z
    .union([z.number().int().positive(), z.array(z.number().int().nonnegative()).min(1)])
    .default(1)
    .describe('a count n (seeds 1..n) or a list; the figure draws the first, the panel table and the claims use all'),
  cases: z.array(figureCaseSchema).min(1).describe('memory sets and temperatures, one block of panels each'),
  alphas: z
    .array(z.number().min(1))
    .min(1)
    .default([1, 1.5, 2])
    .describe('α of the α-entmax separation, one column each: 1 = softmax, 1.5 = 1.5-entmax, 2 = sparsemax, others by bisection'),
  iterations: z
    .array(z.number().int().nonnegative())
    .min(1)
    .default([0, 1, 2, 5])
    .refine(increasing, 'must be increasing')
    .describe('U-Hop+ iterations N, one row each; N = 0 is the raw memories, N ≥ 1 the normalised Φ_N(Ξ)'),
  grid: z.number().int().min(3).describe('grid points per side'),
  margin: z.number().nonnegative().default(0.1).describe('the grid spans the memories\' bounding box widened by this on each side'),
  featureMap: figureFeatureMapSchema,
};

export const landscapeConfigSchema = z
  .object({
    kind: z.literal('landscape'),
    ...common,
    energy: z
      .enum(['official', 'textbook'])
      .optional()
      .describe(
        'official: contours.py (softmax ½‖x‖² − lse(βΞx), no 1/β; α > 1 utils.energy, = textbook + H_α(uniform)/β + max‖ξ‖²/2); textbook: ½‖x‖² − Ψ*_α(βΞx)/β (default: by parity)',
      ),
  })
  .strict()
  .describe('energy over a grid of states in feature space');

export const basinsConfigSchema = z
  .object({
    kind: z.literal('basins'),
    ...common,
    steps: z.number().int().positive().default(5).describe('retrieval steps x ← Ξ α-entmax(βΞx) from each grid point'),
    radius: z.number().positive().default(0.001).describe('a query has converged to a memory when it ends within this Euclidean distance of it'),
  })
  .strict()
  .describe('basins of attraction: each grid point coloured by the memory its retrieval converges to');

export const figureConfigSchema = z.discriminatedUnion('kind', [landscapeConfigSchema, basinsConfigSchema]);

export type FigureConfig = z.output<typeof figureConfigSchema>;
export type FigureCase = z.output<typeof figureCaseSchema>;

type Resolved<T> = Omit<T, 'seeds' | 'featureMap' | 'energy'> & {
  seeds: number[];
  featureMap: z.output<typeof figureFeatureMapSchema> & { lossForm: 'coded' | 'smooth-max' };
};
export type ResolvedLandscapeConfig = Resolved<z.output<typeof landscapeConfigSchema>> & { energy: 'official' | 'textbook' };
export type ResolvedBasinsConfig = Resolved<z.output<typeof basinsConfigSchema>>;
export type ResolvedFigureConfig = ResolvedLandscapeConfig | ResolvedBasinsConfig;

/** β of a case (temperature given as the official scripts: β = 1/temperature). */
export const caseBeta = (spec: FigureCase): number => spec.beta ?? 1 / spec.temperature!;

export function resolveFigureConfig(config: FigureConfig): ResolvedFigureConfig {
  const seeds = typeof config.seeds === 'number' ? Array.from({ length: config.seeds }, (_, i) => i + 1) : config.seeds;
  const featureMap = { ...config.featureMap, lossForm: config.featureMap.lossForm ?? (config.parity === 'official' ? 'coded' : 'smooth-max') } as const;
  if (config.kind === 'landscape') return { ...config, seeds, featureMap, energy: config.energy ?? config.parity };
  return { ...config, seeds, featureMap };
}

/** Whether a config file is a 2-D figure config (its `kind` names one), read without validating the rest. */
export function isFigureConfigFile(path: string): boolean {
  const raw = readConfigFile(path);
  return raw !== null && typeof raw === 'object' && (figureKinds as readonly unknown[]).includes((raw as { kind?: unknown }).kind);
}

export function loadFigureConfig(path: string, overrides: string[] = []): ResolvedFigureConfig {
  let raw = readConfigFile(path);
  for (const assignment of overrides) {
    const { path: keys, value } = parseOverride(assignment);
    raw = applyOverride(raw, keys, value);
  }
  const parsed = figureConfigSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(formatIssues(path, parsed.error));
  return resolveFigureConfig(parsed.data);
}
