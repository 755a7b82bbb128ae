/** Reading a config file (JSON or YAML), applying `--set key=value` overrides, validating with zod. */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { configSchema, withPluginNames, type Config, type PluginNames } from './schema.ts';
import { resolveConfig, type ResolvedConfig } from './parity.ts';
import { settingConflicts } from './conflicts.ts';
import { expectedForm } from './expectedForm.ts';
import { UserError } from '../errors.ts';
import type { PluginSet } from '../plugins/contract.ts';
import { checkSweep, withSweepOptions } from './sweep.ts';

/** Where JSON.parse stopped, as line and column with the line and a caret (Node 20's message gives only the offset). */
function jsonErrorPlace(text: string, message: string): { place: string; excerpt: string } {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  const offset = /at position (\d+)/.exec(message);
  let line: number;
  let column: number;
  if (lineColumn) [line, column] = [Number(lineColumn[1]), Number(lineColumn[2])];
  else if (offset) {
    const before = text.slice(0, Number(offset[1]));
    line = before.split('\n').length;
    column = before.length - before.lastIndexOf('\n');
  } else if (/end of JSON input/.test(message)) {
    const lines = text.trimEnd().split('\n');
    [line, column] = [lines.length, lines[lines.length - 1].length + 1];
  } else return { place: '', excerpt: '' };
  const source = text.split('\n')[line - 1] ?? '';
  return { place: ` at line ${line}, column ${column}`, excerpt: `\n  ${source}\n  ${' '.repeat(Math.max(0, column - 1))}^` };
}

// yaml loads only for YAML files: a JSON config (uhop validate, uhop run) starts without it
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

export function readConfigFile(path: string): unknown {
  if (!existsSync(path)) throw new UserError(`config file not found: ${path}`);
  if (statSync(path).isDirectory()) throw new UserError(`${path} is a folder; give a config file, e.g. configs/mnist.json`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  const isYaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  let raw: unknown;
  try {
    raw = isYaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    if (isYaml) throw new UserError(`${path}: not valid YAML: ${message}`);
    const { place, excerpt } = jsonErrorPlace(text, message);
    throw new UserError(`${path}: not valid JSON${place}: ${message}${excerpt}`);
  }
  refuseForbiddenKeys(raw, path);
  return raw;
}

/** Keys that would reach JavaScript's object prototypes instead of a config field. */
const forbiddenKeys = new Set(['__proto__', 'prototype', 'constructor']);

/** Refuses `__proto__`, `prototype` and `constructor` keys anywhere in a JSON value. */
function refuseForbiddenKeys(value: unknown, where: string, path: string[] = []): void {
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    if (forbiddenKeys.has(key)) {
      throw new UserError(`${where}: the key "${[...path, key].join('.')}" is not allowed (it would reach JavaScript's object prototypes)`);
    }
    refuseForbiddenKeys((value as Record<string, unknown>)[key], where, [...path, key]);
  }
}

/** Parses "a.b.0.c=value": the value is JSON when it parses as JSON, otherwise a plain string. */
export function parseOverride(assignment: string): { path: string[]; value: unknown } {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set expects key=value, got "${assignment}"`);
  const path = assignment.slice(0, eq).trim().split('.');
  if (path.some((key) => key === '')) throw new UserError(`--set: empty key in "${assignment}"`);
  const bad = path.find((key) => forbiddenKeys.has(key));
  if (bad) throw new UserError(`--set ${assignment}: "${bad}" is not a config field (it would reach JavaScript's object prototypes)`);
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  refuseForbiddenKeys(value, `--set ${assignment}`);
  return { path, value };
}

type Json = Record<string, unknown> | unknown[];

/** Returns a copy of `target` with `value` written at `path`, creating objects on the way. */
export function applyOverride(target: unknown, path: string[], value: unknown): unknown {
  const bad = path.find((key) => forbiddenKeys.has(key));
  if (bad) throw new UserError(`--set ${path.join('.')}: "${bad}" is not a config field`);
  const root: Json = structuredClone((target ?? {}) as Json);
  let node: Json = root;
  path.forEach((key, depth) => {
    if (Array.isArray(node) && !/^\d+$/.test(key)) {
      const list = path.slice(0, depth).join('.');
      throw new UserError(`--set ${path.join('.')}: ${list} is a list; address an entry by its index (${list}.0)`);
    }
    const isLast = depth === path.length - 1;
    const container = node as Record<string, unknown>;
    if (isLast) {
      container[key] = value;
      return;
    }
    // own fields only: an inherited property (e.g. of Array.prototype) is never walked into
    const child = Object.hasOwn(container, key) ? container[key] : undefined;
    if (child === null || typeof child !== 'object') container[key] = {};
    node = container[key] as Json;
  });
  return root;
}

interface Issue {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
}

/** The names each loaded plugin file defines, for validation. */
function namesOf(plugins: PluginSet | undefined): PluginNames {
  const names = (map: ReadonlyMap<string, { name: string; path: string }>, path: string) => [...map.values()].filter((p) => p.path === path).map((p) => p.name);
  return {
    files: (plugins?.files ?? []).map(({ path }) => ({
      path,
      separation: names(plugins!.separations, path),
      similarity: names(plugins!.similarities, path),
      corruption: names(plugins!.corruptions, path),
    })),
  };
}

/** The value at `path` in the raw input (for the example in a --set error). */
function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let node = raw;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[String(key)] : undefined;
  return node;
}

/** The last --set whose path contains the issue's field or lies inside it (it made the value there). */
function setOf(path: string[], sets: string[]): string | null {
  const matches = sets.filter((assignment) => {
    const keys = parseOverride(assignment).path;
    const n = Math.min(keys.length, path.length);
    return keys.slice(0, n).every((key, i) => key === path[i]);
  });
  return matches.at(-1) ?? null;
}

/**
 * One line per problem, each with the path of the offending field, under the config file or under
 * the `--set` that made the value (with the expected form, e.g. "expected a list, e.g. [100]").
 */
export function formatIssues(source: string, error: { issues: readonly Issue[] }, context: { sets?: string[]; raw?: unknown } = {}): string {
  const sets = context.sets ?? [];
  const groups = new Map<string, string[]>();
  // an unknown key is reported at its object: give each key its own path
  const issues = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys?.length
      ? issue.keys.map((key) => ({ ...issue, keys: [key], message: `Unrecognized key: "${key}"`, own: [...issue.path, key] }))
      : [{ ...issue, own: issue.path }],
  );
  for (const issue of issues) {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    const set = setOf(issue.own.map(String), sets);
    let message = issue.message;
    if (set && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
      message = expectedForm(issue.path.map(String), valueAt(context.raw, issue.path)) ?? message;
    }
    const header = set ? `invalid --set ${set}:` : `invalid config ${source}:`;
    groups.set(header, [...(groups.get(header) ?? []), `  - ${path}: ${message}`]);
  }
  const ordered = [...groups].sort(([a], [b]) => Number(a.startsWith('invalid --set')) - Number(b.startsWith('invalid --set')));
  return ordered.map(([header, lines]) => `${header}\n${lines.join('\n')}`).join('\n');
}

/**
 * `sets`: the --set assignments applied to `raw`, so that their errors name them; `plugins`: the
 * loaded plugin modules of the config (their names are valid separations, similarities, corruptions).
 */
export function validateConfig(raw: unknown, source: string, sets: string[] = [], plugins?: PluginSet): Config {
  return withPluginNames(namesOf(plugins), () => {
    const parsed = configSchema.safeParse(raw);
    if (!parsed.success) throw new UserError(formatIssues(source, parsed.error, { sets, raw }), parsed.error.issues);
    const conflicts = settingConflicts(raw, parsed.data);
    if (conflicts.length) throw new UserError(formatIssues(source, { issues: conflicts }, { sets, raw }));
    // every swept value is checked as if it were set in the config
    checkSweep(raw, parsed.data, source);
    return parsed.data;
  });
}

/** The config file's content with the overrides and `--sweep path=[values]` axes applied, before validation. */
export function readRawConfig(path: string, overrides: string[] = [], sweeps: string[] = []): unknown {
  return withSweepOptions(withOverrides(readConfigFile(path), overrides), sweeps);
}

/** A copy of `raw` with the `--set` assignments applied. */
function withOverrides(raw: unknown, overrides: string[]): unknown {
  let config = raw;
  for (const assignment of overrides) {
    const { path: keys, value } = parseOverride(assignment);
    config = applyOverride(config, keys, value);
  }
  return config;
}

/**
 * Sync: a config with `plugins` needs them loaded first (`loadConfigWithPlugins` in src/plugins/load.ts
 * does both); `sweeps`: `--sweep path=[values]` axes, added to the config's `sweep`.
 */
export function loadConfig(path: string, overrides: string[] = [], options: { plugins?: PluginSet; sweeps?: string[] } = {}): ResolvedConfig {
  const config = validateConfig(readRawConfig(path, overrides, options.sweeps), path, overrides, options.plugins);
  return resolveConfig(config, config.plugins ? options.plugins?.files : undefined);
}

/** A config given as an object (not a file): overrides applied (to a copy), validated, resolved. */
export function resolveConfigObject(raw: unknown, overrides: string[] = [], source = '(object)'): ResolvedConfig {
  return resolveConfig(validateConfig(withOverrides(raw, overrides), source, overrides));
}
