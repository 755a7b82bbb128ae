/**
 * Settings of an optional part that no model uses (a featureMap block when no model has
 * featureMap: true, e.g. after `--set models=[...]`): allowed, and listed by `uhop validate`.
 */
import type { Config } from './schema.ts';
import { isSet } from './conflicts.ts';

export function unusedSettings(raw: unknown, config: Config): string[] {
  const notes: string[] = [];
  if (isSet(raw, ['featureMap']) && !config.models.some((model) => model.featureMap)) {
    notes.push('featureMap: no model has featureMap: true');
  }
  const distances = config.models.some((model) => (model.similarity === 'l1' || model.similarity === 'l2') && model.control !== 'normalized');
  if (isSet(raw, ['retrieval', 'distanceSign']) && !distances) {
    notes.push('retrieval.distanceSign: no model scores by an l1 or l2 distance');
  }
  return notes;
}
