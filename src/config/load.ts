/** Reading a config file (JSON or YAML), applying `--set key=value` overrides, validating with zod. */
import { readFileSync, existsSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { resolveConfig, type ResolvedConfig } from './parity.ts';
import { UserError } from '../errors.ts';
import { checkSweep, withSweepOptions } from './sweep.ts';

export function readConfigFile(path: string): unknown {
  if (!existsSync(path)) throw new UserError(`config file not found: ${path}`);
  const text = readFileSync(path, 'utf8');
  const isYaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  try {
    return isYaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path}: not valid ${isYaml ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
}

/** Parses "a.b.0.c=value": the value is JSON when it parses as JSON, otherwise a plain string. */
export function parseOverride(assignment: string): { path: string[]; value: unknown } {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set expects key=value, got "${assignment}"`);
  const path = assignment.slice(0, eq).trim().split('.');
  if (path.some((key) => key === '')) throw new UserError(`--set: empty key in "${assignment}"`);
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  return { path, value };
}

type Json = Record<string, unknown> | unknown[];

/** Returns a copy of `target` with `value` written at `path`, creating objects on the way. */
export function applyOverride(target: unknown, path: string[], value: unknown): unknown {
  const root: Json = structuredClone((target ?? {}) as Json);
  let node: Json = root;
  path.forEach((key, depth) => {
    const isLast = depth === path.length - 1;
    const container = node as Record<string, unknown>;
    if (isLast) {
      container[key] = value;
      return;
    }
    const child = container[key];
    if (child === null || typeof child !== 'object') container[key] = {};
    node = container[key] as Json;
  });
  return root;
}

/** One line per problem, each with the path of the offending field. */
export function formatIssues(source: string, error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    return `  - ${path}: ${issue.message}`;
  });
  return `invalid config ${source}:\n${lines.join('\n')}`;
}

export function validateConfig(raw: unknown, source: string): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(formatIssues(source, parsed.error));
  return parsed.data;
}

/** `sweeps`: `--sweep path=[values]` axes, added to the config's `sweep`. */
export function loadConfig(path: string, overrides: string[] = [], sweeps: string[] = []): ResolvedConfig {
  let raw = readConfigFile(path);
  for (const assignment of overrides) {
    const { path: keys, value } = parseOverride(assignment);
    raw = applyOverride(raw, keys, value);
  }
  raw = withSweepOptions(raw, sweeps);
  const config = validateConfig(raw, path);
  checkSweep(raw, config, path);
  return resolveConfig(config);
}
