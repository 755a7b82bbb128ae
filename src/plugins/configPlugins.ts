/** A config read with its plugins: loaded first, then the config validated with their names known. */
import { loadConfig, readRawConfig } from '../config/load.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import type { PluginSet } from './contract.ts';
import { loadPlugins, pluginFiles } from './load.ts';

/**
 * Reads a config, loads the plugin modules it lists (relative to the config file), then validates
 * it with their names known: what every uhop command that runs or checks a config uses.
 */
export async function loadConfigWithPlugins(path: string, overrides: string[] = [], sweeps: string[] = []): Promise<ResolvedConfig> {
  return loadConfig(path, overrides, { plugins: await pluginsOf(readRawConfig(path, overrides, sweeps), path), sweeps });
}

/** The plugin modules a raw config (read from `configPath`) lists, loaded. */
export async function pluginsOf(raw: unknown, configPath: string): Promise<PluginSet> {
  const listed = (raw as { plugins?: unknown } | null)?.plugins;
  // a malformed list is reported by the schema, with the other problems
  const paths = Array.isArray(listed) && listed.every((p) => typeof p === 'string') ? (listed as string[]) : [];
  return loadPlugins(pluginFiles([...new Set(paths)], configPath));
}
