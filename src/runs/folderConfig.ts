/**
 * One results folder, one config: a run may extend the grid of the config that wrote the folder
 * (more M, D_Φ, seeds, swept values) but not write a config whose cells are computed differently
 * (models, protocol settings, data) beside its cells and tables. Labels and reporting options may change.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/parity.ts';
import { UserError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { canonicalJson, sharedSettings } from './cellKey.ts';

export const folderConfigName = 'config.resolved.json';

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Dotted paths at which two JSON values differ (the deepest place that differs; a list of another length as a whole). */
export function differingPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const at = (key: string | number) => (prefix ? `${prefix}.${key}` : String(key));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => differingPaths(a[key], b[key], at(key)));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.flatMap((item, i) => differingPaths(item, b[i], at(i)));
  return canonicalJson(a ?? null) === canonicalJson(b ?? null) ? [] : [prefix || '(the whole config)'];
}

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

/** Why `config` may not write into `directory` (the differing settings), or null when it may. */
export function folderConflict(directory: string, config: ResolvedConfig): string | null {
  const existing = readFolderConfig(directory);
  if (!existing) return null;
  const paths = differingPaths(sharedSettings(existing), sharedSettings(config));
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
