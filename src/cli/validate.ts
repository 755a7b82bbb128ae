/** `uhop validate CONFIG`: check a config, say what it would run and which settings no model uses. */
import { readRawConfig, validateConfig } from '../config/load.ts';
import { resolveConfig } from '../config/parity.ts';
import { unusedSettings } from '../config/unused.ts';
import { assertRunnable } from '../runs/preflight.ts';
import { describeConfig, describeFigureConfig } from './describe.ts';
import { isFigureConfigFile, loadFigureConfig } from '../config/figureSchema.ts';
import { pluginsOf } from '../plugins/configPlugins.ts';
import { refuseRecipe } from './recipeHint.ts';

export async function validateCommand(path: string, options: { set: string[]; sweep?: string[] }): Promise<void> {
  refuseRecipe(path);
  if (isFigureConfigFile(path)) {
    console.log(`ok: ${path}\n${describeFigureConfig(loadFigureConfig(path, options.set))}`);
    return;
  }
  const raw = readRawConfig(path, options.set, options.sweep);
  const plugins = await pluginsOf(raw, path);
  const config = validateConfig(raw, path, options.set, plugins);
  const resolved = resolveConfig(config, config.plugins ? plugins.files : undefined);
  assertRunnable(resolved, path);
  const unused = unusedSettings(raw, config);
  const lines = [`ok: ${path}`, describeConfig(resolved)];
  if (unused.length) lines.push('unused (allowed, no effect on this run):', ...unused.map((note) => `  - ${note}`));
  console.log(lines.join('\n'));
}
