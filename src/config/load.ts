/** Reading a config file (JSON or YAML), applying `--set key=value` overrides, validating with zod. */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { resolveConfig, type ResolvedConfig } from './parity.ts';
import { UserError } from '../errors.ts';

// yaml loads only for YAML files: a JSON config (uhop validate, uhop run) starts without it
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

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
  if (!parsed.success) throw new UserError(formatIssues(source, parsed.error), parsed.error.issues);
  return parsed.data;
}

export function loadConfig(path: string, overrides: string[] = []): ResolvedConfig {
  return resolveConfigObject(readConfigFile(path), overrides, path);
}

/** A config given as an object (not a file): overrides applied (to a copy), validated, resolved. */
export function resolveConfigObject(raw: unknown, overrides: string[] = [], source = '(object)'): ResolvedConfig {
  let config = raw;
  for (const assignment of overrides) {
    const { path: keys, value } = parseOverride(assignment);
    config = applyOverride(config, keys, value);
  }
  return resolveConfig(validateConfig(config, source));
}
