/** `uhop run` / `uhop validate` given a paper recipe (configs/paper/*.json) instead of a config: point to `uhop reproduce`. */
import { dirname, join } from 'node:path';
import { readConfigFile } from '../config/load.ts';
import { UserError } from '../errors.ts';
import { recipeSchema } from '../reproduce/recipe.ts';

export function refuseRecipe(path: string): void {
  const raw = readConfigFile(path);
  if (raw === null || typeof raw !== 'object') return;
  const looksLikeRecipe = recipeSchema.safeParse(raw).success || ('claims' in raw && 'profiles' in raw);
  if (!looksLikeRecipe) return;
  const { name, config } = raw as { name?: unknown; config?: unknown };
  const alone = typeof config === 'string' ? `; \`uhop run ${join(dirname(path), config)}\` runs its config without the recipe's settings` : '';
  throw new UserError(`${path} is a paper recipe, not a config: run it with \`uhop reproduce ${String(name)}\` (\`uhop reproduce --list\` shows them all)${alone}`);
}
