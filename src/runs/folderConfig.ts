/**
 * One results folder, one config: a run may extend the grid of the config that wrote the folder
 * (more M, D_Φ, seeds, values of its swept fields) but not write a config whose cells are computed differently
 * (models, protocol settings, data) beside its cells and tables. Labels and reporting options may change.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/parity.ts';
import { UserError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { differingPaths, setAt } from '../config/jsonPaths.ts';
import { sharedSettings } from './cellKey.ts';

export { differingPaths } from '../config/jsonPaths.ts';

export const folderConfigName = 'config.resolved.json';

/** The config that last wrote `directory`, or null for a new folder. */
export function readFolderConfig(directory: string): ResolvedConfig | null {
  const path = join(directory, folderConfigName);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ResolvedConfig;
  } catch (error) {
    throw new UserError(`${path}: unreadable (${(error as Error).message}); delete the folder or write elsewhere with --out`);
  }
}

/**
 * What must agree for two configs to share a folder: the shared settings with the swept fields
 * blanked (their values are grid values), plus which fields are swept.
 */
function folderSettings(config: ResolvedConfig): Record<string, unknown> {
  const swept = Object.keys(config.sweep ?? {}).sort();
  const shared = swept.reduce<unknown>((settings, path) => setAt(settings, path.split('.'), '(swept)'), sharedSettings(config));
  // a plugin is the same plugin after an edit (its cells recompute: their keys hash its source)
  const plugins = config.plugins?.map((plugin) => plugin.path);
  return { ...(shared as Record<string, unknown>), plugins, 'sweep axes': swept };
}

/** Why `config` may not write into `directory` (the differing settings), or null when it may. */
export function folderConflict(directory: string, config: ResolvedConfig): string | null {
  const existing = readFolderConfig(directory);
  if (!existing) return null;
  const paths = differingPaths(folderSettings(existing), folderSettings(config));
  if (paths.length === 0) return null;
  const shown = paths.length > 8 ? [...paths.slice(0, 8), `… (${paths.length - 8} more)`] : paths;
  return `${directory} holds the cells of another config: ${shown.join(', ')} differ from its ${folderConfigName}`;
}

/**
 * Refuses (UserError) a config that differs from the folder's in anything but its grid, labels and
 * reporting options, then records it as the folder's config: a killed run leaves its config beside its cells.
 */
export function claimFolderFor(directory: string, config: ResolvedConfig): void {
  const conflict = folderConflict(directory, config);
  if (conflict) {
    throw new UserError(`${conflict}. Write this run elsewhere with --out DIR (--force recomputes cells; it does not mix configs in one folder)`);
  }
  writeFileAtomic(join(directory, folderConfigName), `${JSON.stringify(config, null, 2)}\n`);
}
