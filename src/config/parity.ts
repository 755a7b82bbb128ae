/**
 * `parity` fills every quirk switch left unset: "official" reproduces the official Python code,
 * "textbook" follows the papers (see shared protocol notes and README "Official vs textbook").
 */
import type { Config } from './schema.ts';
import type { PluginFile } from '../plugins/contract.ts';

export const parityDefaults = {
  official: {
    betaPlacement: 'output', // score = beta * activation(overlap) in UHop's update rule
    distanceSign: 'positive', // Man/L2 overlaps are positive distances fed to softmax
    trainOn: 'first-half', // memory_retrieval_max_loss.py trains on Xi[:int(0.5*M)]
    lrSchedule: 'inverse-sqrt-factorial', // train_kernel (average loss): lr /= sqrt(i+1) after every step
    finalLoss: 'last-iteration', // unif_loss is logged before the last update
    lossForm: 'coded', // feature_map.py::separation_loss, quirks included
    maskedScores: 'zero', // topk_k / random_mask_p: left-out scores are zeros inside the softmax
  },
  textbook: {
    betaPlacement: 'logits',
    distanceSign: 'negative',
    trainOn: 'all',
    lrSchedule: 'constant',
    finalLoss: 'after-training',
    lossForm: 'smooth-max',
    maskedScores: 'excluded',
  },
} as const;

type Defaults = (typeof parityDefaults)['official'] | (typeof parityDefaults)['textbook'];
type Resolved<T> = { -readonly [K in keyof T]-?: T[K] };

export type ResolvedConfig = Omit<Config, 'retrieval' | 'featureMap' | 'seeds' | 'plugins'> & {
  /** The plugin files, resolved and hashed (absent when the config lists none). */
  plugins?: PluginFile[];
  seeds: number[];
  retrieval: Resolved<Config['retrieval']>;
  featureMap: Omit<Resolved<Config['featureMap']>, 'dim' | 'batchSize' | 'plateau'> & {
    /** D_Φ values of the grid; null = the data dimension. */
    dim: number[] | null;
    batchSize: number | null;
    plateau: { patience: number; minDelta: number } | null;
  };
};

/** Default learning rates of the official scripts: lr 10 (max loss), 1 (average), 0.1 (U-Hop+ MNIST, Adam). */
const officialLearningRate = { max: 10, average: 1, 'uhop-plus': 0.1 } as const;

/** `n` → 1..n, `"a..b"` → a..b, a list as it is. */
function seedList(seeds: Config['seeds']): number[] {
  if (typeof seeds === 'number') return Array.from({ length: seeds }, (_, i) => i + 1);
  if (typeof seeds === 'string') {
    const [from, to] = seeds.split('..').map(Number);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  return seeds;
}

/** `pluginFiles`: the loaded files of `config.plugins`, in the same order (src/plugins/load.ts); checked when given. */
export function resolveConfig(config: Config, pluginFiles?: PluginFile[]): ResolvedConfig {
  const defaults: Defaults = parityDefaults[config.parity];
  const seeds = seedList(config.seeds);
  const { plugins, ...rest } = config;
  if (pluginFiles && (plugins ?? []).join('\n') !== pluginFiles.map((f) => f.path).join('\n')) throw new Error('resolveConfig: the plugin files given are not those the config lists');
  return {
    ...rest,
    ...(plugins ? { plugins: pluginFiles } : {}),
    seeds,
    // the masking switch is set where it is used (topk, random-mask), so other models stay as written
    models: config.models.map((model) =>
      model.separation === 'topk' || model.separation === 'random-mask' ? { ...model, maskedScores: model.maskedScores ?? defaults.maskedScores } : model,
    ),
    retrieval: {
      ...config.retrieval,
      betaPlacement: config.retrieval.betaPlacement ?? defaults.betaPlacement,
      distanceSign: config.retrieval.distanceSign ?? defaults.distanceSign,
    },
    featureMap: {
      ...config.featureMap,
      dim: config.featureMap.dim === undefined ? null : [config.featureMap.dim].flat(),
      batchSize: config.featureMap.batchSize ?? null,
      plateau: config.featureMap.plateau ?? null,
      lossForm: config.featureMap.lossForm ?? defaults.lossForm,
      lr: config.featureMap.lr ?? officialLearningRate[config.featureMap.loss],
      // The official max-loss trainer (train_kernel_max) keeps lr constant; only train_kernel decays it.
      lrSchedule: config.featureMap.lrSchedule ?? (config.featureMap.loss === 'average' ? defaults.lrSchedule : 'constant'),
      trainOn: config.featureMap.trainOn ?? defaults.trainOn,
      finalLoss: config.featureMap.finalLoss ?? defaults.finalLoss,
    },
  };
}
