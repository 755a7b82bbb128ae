/** Reading a config file (JSON or YAML), applying `--set key=value` overrides, validating with zod. */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { resolveConfig, type ResolvedConfig } from './parity.ts';
import { settingConflicts, type SettingIssue } from './conflicts.ts';
import { UserError } from '../errors.ts';

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
    throw new UserError(`${path}: not valid ${isYaml ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
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

/** One line per problem, each with the path of the offending field. */
export function formatIssues(source: string, error: z.ZodError | { issues: SettingIssue[] }): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    return `  - ${path}: ${issue.message}`;
  });
  return `invalid config ${source}:\n${lines.join('\n')}`;
}

export function validateConfig(raw: unknown, source: string): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(formatIssues(source, parsed.error));
  const conflicts = settingConflicts(raw, parsed.data);
  if (conflicts.length) throw new UserError(formatIssues(source, { issues: conflicts }));
  return parsed.data;
}

/** The config file's content with the overrides applied, before validation. */
export function readRawConfig(path: string, overrides: string[] = []): unknown {
  let raw = readConfigFile(path);
  for (const assignment of overrides) {
    const { path: keys, value } = parseOverride(assignment);
    raw = applyOverride(raw, keys, value);
  }
  return raw;
}

export function loadConfig(path: string, overrides: string[] = []): ResolvedConfig {
  return resolveConfig(validateConfig(readRawConfig(path, overrides), path));
}
