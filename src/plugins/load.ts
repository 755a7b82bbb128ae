/**
 * Loading plugin modules (`plugins` in a config): resolving their paths against the config file,
 * hashing their source (the hash is part of every cell key, so an edited plugin recomputes its
 * cells), importing them (.mjs, .js, .ts through tsx) and checking their exports against the
 * contract. Loading is async (`import()`). Nothing here loads the config schema (zod): worker
 * threads load plugins too. configPlugins.ts reads a config with its plugins.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../errors.ts';
import { corruptionTypes, separationNames, similarityNames } from '../config/builtinNames.ts';
import {
  noPlugins,
  type CorruptionPlugin,
  type PluginFile,
  type PluginKind,
  type PluginSet,
  type SeparationPlugin,
  type SimilarityPlugin,
} from './contract.ts';

export const pluginExtensions = ['.mjs', '.js', '.ts'] as const;

const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The plugin files of a config: resolved against the config file's folder, each with the sha256 of its source. */
export function pluginFiles(paths: string[], configPath: string): PluginFile[] {
  return paths.map((path, i) => {
    const where = `plugins.${i} (${path})`;
    if (!(pluginExtensions as readonly string[]).includes(extname(path))) {
      throw new UserError(`${configPath}: ${where}: a plugin is a ${pluginExtensions.join(', ')} module`);
    }
    const file = resolve(dirname(configPath), path);
    if (!existsSync(file)) throw new UserError(`${configPath}: ${where}: not found at ${file} (plugin paths are relative to the config file)`);
    return { path, file, sha256: sha256Of(file) };
  });
}

/** Each kind's export name, built-in names and the keys its object form may have. */
const kinds: Record<PluginKind, { exportName: string; builtins: readonly string[]; keys: string[] }> = {
  separation: { exportName: 'separations', builtins: separationNames, keys: ['map', 'batch', 'sparse'] },
  similarity: { exportName: 'similarities', builtins: similarityNames, keys: ['map', 'batch'] },
  corruption: { exportName: 'corruptions', builtins: corruptionTypes, keys: ['map', 'batch'] },
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

type AnyFunction = (...args: never[]) => unknown;

interface Entry {
  name: string;
  path: string;
  map?: AnyFunction;
  batch?: AnyFunction;
  sparse: boolean;
}

/** One export entry, as a function (row form) or { map | batch, sparse }, checked. */
function entryOf(kind: PluginKind, name: string, value: unknown, path: string): Entry {
  const where = `${path}: ${kinds[kind].exportName}.${name}`;
  if (!NAME.test(name)) throw new UserError(`${where}: a name is letters, digits, ".", "_", "+" and "-", starting with a letter or digit`);
  if (typeof value === 'function') return { name, path, map: value as AnyFunction, sparse: false };
  if (value === null || typeof value !== 'object') throw new UserError(`${where}: expected a function or { map } / { batch }, got ${value === null ? 'null' : typeof value}`);
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !kinds[kind].keys.includes(key));
  if (unknown.length) throw new UserError(`${where}: unknown key(s) ${unknown.join(', ')} (allowed: ${kinds[kind].keys.join(', ')})`);
  const forms = (['map', 'batch'] as const).filter((key) => record[key] !== undefined);
  if (forms.length !== 1 || typeof record[forms[0]] !== 'function') throw new UserError(`${where}: needs exactly one of map (row form) or batch (batched form), a function`);
  if (record.sparse !== undefined && typeof record.sparse !== 'boolean') throw new UserError(`${where}: sparse must be true or false`);
  return { name, path, [forms[0]]: record[forms[0]] as AnyFunction, sparse: record.sparse === true };
}

/** A module's named exports, or those of its default export (a CommonJS module). */
function exportsOf(module: Record<string, unknown>): Record<string, unknown> {
  const names = Object.values(kinds).map((k) => k.exportName);
  if (names.some((name) => module[name] !== undefined)) return module;
  const fallback = module.default;
  return fallback !== null && typeof fallback === 'object' ? (fallback as Record<string, unknown>) : module;
}

async function importPlugin(plugin: PluginFile): Promise<Record<string, unknown>> {
  // the hash in the URL: an edited file is a new module, not the cached one
  const url = `${pathToFileURL(plugin.file).href}?sha256=${plugin.sha256.slice(0, 16)}`;
  try {
    if (extname(plugin.file) === '.ts') {
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    }
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new UserError(`plugin ${plugin.path}: could not be loaded: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

const loaded = new Map<string, Promise<PluginSet>>();

/** Imports the plugin files (once per process and content) and checks their exports; name clashes are refused. */
export function loadPlugins(files: PluginFile[] | undefined): Promise<PluginSet> {
  if (!files?.length) return Promise.resolve(noPlugins);
  const key = JSON.stringify(files.map((f) => [f.file, f.sha256]));
  if (!loaded.has(key)) {
    const promise = importAll(files);
    promise.catch(() => loaded.delete(key)); // a failed load is retried, not remembered
    loaded.set(key, promise);
  }
  return loaded.get(key)!;
}

async function importAll(files: PluginFile[]): Promise<PluginSet> {
  const found: Record<PluginKind, Map<string, Entry>> = { separation: new Map(), similarity: new Map(), corruption: new Map() };
  for (const plugin of files) {
    if (!existsSync(plugin.file) || sha256Of(plugin.file) !== plugin.sha256) {
      throw new UserError(`plugin ${plugin.path} changed since the config was loaded (its sha256 no longer matches); run again`);
    }
    const module = exportsOf(await importPlugin(plugin));
    let count = 0;
    for (const [kind, { exportName, builtins }] of Object.entries(kinds) as Array<[PluginKind, (typeof kinds)[PluginKind]]>) {
      const table = module[exportName];
      if (table === undefined) continue;
      if (table === null || typeof table !== 'object' || Array.isArray(table)) {
        throw new UserError(`${plugin.path}: export "${exportName}" must be an object of name → function`);
      }
      for (const [name, value] of Object.entries(table as Record<string, unknown>)) {
        if (builtins.includes(name)) throw new UserError(`${plugin.path}: ${kind} "${name}" clashes with the built-in of that name; rename it`);
        const other = found[kind].get(name);
        if (other) throw new UserError(`${plugin.path}: ${kind} "${name}" is also defined by ${other.path}`);
        found[kind].set(name, entryOf(kind, name, value, plugin.path));
        count++;
      }
    }
    if (count === 0) throw new UserError(`${plugin.path}: exports none of ${Object.values(kinds).map((k) => k.exportName).join(', ')} (or they are empty)`);
  }
  const strip = ({ sparse: _sparse, ...rest }: Entry) => rest;
  return {
    separations: new Map([...found.separation].map(([name, entry]) => [name, entry as unknown as SeparationPlugin])),
    similarities: new Map([...found.similarity].map(([name, entry]) => [name, strip(entry) as unknown as SimilarityPlugin])),
    corruptions: new Map([...found.corruption].map(([name, entry]) => [name, strip(entry) as unknown as CorruptionPlugin])),
    files,
  };
}
