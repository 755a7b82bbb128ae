/**
 * Fields the user set that another setting keeps from taking effect: errors naming both fields
 * (a set field is never silently ignored). Which fields were set is read from the raw input,
 * as zod's defaults hide it; `unused.ts` lists the settings no model uses, which stay allowed.
 */
import type { Config } from './schema.ts';

export interface SettingIssue {
  path: Array<string | number>;
  message: string;
}

type Raw = Record<string, unknown>;

/** Whether the raw input sets the field at `path` (present, even if equal to the default). */
export function isSet(raw: unknown, path: Array<string | number>): boolean {
  let node: unknown = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return false;
    node = (node as Raw)[String(key)];
  }
  return node !== undefined;
}

const datasetsWithSplit = new Set(['mnist-full', 'fashion-mnist', 'cifar10']);

export function settingConflicts(raw: unknown, config: Config): SettingIssue[] {
  const issues: SettingIssue[] = [];
  const add = (path: Array<string | number>, message: string) => issues.push({ path, message });
  const { dataset, queries, featureMap, retrieval } = config;

  if (isSet(raw, ['queries', 'count'])) {
    if (queries.from === 'memories') {
      add(['queries', 'count'], `only used with queries.from "pool" or "test"; queries.from is "memories" (every memory is queried once)`);
    } else if (dataset.queryIndices) {
      add(['queries', 'count'], `the queries are the ${dataset.queryIndices.length} pinned dataset.queryIndices; set one of the two`);
    }
  }
  if (queries.from === 'test') {
    if (!datasetsWithSplit.has(dataset.name)) {
      add(['queries', 'from'], `"test" needs a dataset with a test split (mnist-full, fashion-mnist, cifar10); dataset.name is "${dataset.name}"`);
    } else if ('split' in dataset && dataset.split === 'test') {
      add(['queries', 'from'], `"test" queries come from the test split, which dataset.split "test" already makes the pool: use queries.from "pool"`);
    }
  }
  if (dataset.name === 'cifar10' && dataset.grayscale && isSet(raw, ['dataset', 'layout'])) {
    add(['dataset', 'layout'], 'orders the colour planes, but dataset.grayscale: true leaves one plane (d = 1024)');
  }
  if ('balanced' in dataset && dataset.balanced && dataset.indices) {
    add(['dataset', 'balanced'], 'the memories are the pinned dataset.indices, so a balanced draw cannot apply; set one of the two');
  }

  const loss = `featureMap.loss is "${featureMap.loss}"`;
  if (isSet(raw, ['featureMap', 'lossForm']) && featureMap.loss !== 'uhop-plus') {
    add(['featureMap', 'lossForm'], `only used with featureMap.loss "uhop-plus"; ${loss}`);
  }
  if (isSet(raw, ['featureMap', 'tau']) && featureMap.loss !== 'uhop-plus') {
    add(['featureMap', 'tau'], `only used with featureMap.loss "uhop-plus"; ${loss}`);
  }
  if (isSet(raw, ['featureMap', 'initStd']) && featureMap.init !== 'normal') {
    add(['featureMap', 'initStd'], `only used with featureMap.init "normal"; featureMap.init is "${featureMap.init}" (std √(2/d))`);
  }
  if (retrieval.tolerance > 0 && retrieval.steps === 1) {
    add(['retrieval', 'tolerance'], 'stops early between steps, but retrieval.steps is 1');
  }

  config.models.forEach((model, i) => {
    if (model.control === 'temperature-matched' && isSet(raw, ['models', i, 'beta'])) {
      add(['models', i, 'beta'], `control "temperature-matched" sets β per cell (to match another model's logit scale); drop beta or the control`);
    }
    if (model.control === 'normalized' && isSet(raw, ['models', i, 'similarity']) && model.similarity !== 'cosine') {
      add(['models', i, 'similarity'], `control "normalized" scores by cosine of unit-norm features; similarity "${model.similarity}" cannot apply`);
    }
  });
  return issues;
}
