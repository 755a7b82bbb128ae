/** `uhop validate CONFIG`: check a config, say what it would run and which settings no model uses. */
import { readRawConfig, validateConfig } from '../config/load.ts';
import { resolveConfig } from '../config/parity.ts';
import { unusedSettings } from '../config/unused.ts';
import { assertRunnable } from '../runs/preflight.ts';
import { describeConfig } from './describe.ts';
import { refuseRecipe } from './recipeHint.ts';

export function validateCommand(path: string, options: { set: string[] }): void {
  refuseRecipe(path);
  const raw = readRawConfig(path, options.set);
  const config = validateConfig(raw, path, options.set);
  assertRunnable(resolveConfig(config), path);
  const unused = unusedSettings(raw, config);
  const lines = [`ok: ${path}`, describeConfig(resolveConfig(config))];
  if (unused.length) lines.push('unused (allowed, no effect on this run):', ...unused.map((note) => `  - ${note}`));
  console.log(lines.join('\n'));
}
