/**
 * Sweep axes: `sweep: { "retrieval.beta": [0.1, 1, 10] }` (or `--sweep 'retrieval.beta=[0.1,1,10]'`)
 * makes any config field a grid axis. Each value is checked as if it were set in the config, and
 * a cell's config is the base config with the cell's values set and every default resolved again.
 */
import type { z } from 'zod';
import { UserError } from '../errors.ts';
import { configSchema, type Config } from './schema.ts';
import { resolveConfig, type ResolvedConfig } from './parity.ts';
import { differingPaths, getAt, setAt, stableJson } from './jsonPaths.ts';

/** One cell's swept values: path → value. */
export type SweepAssignment = Record<string, unknown>;

/** Axes of their own: listing them in `sweep` would add a second axis for one field. */
const gridFields: Record<string, string> = {
  memories: 'memories is a grid axis already: list its values in memories',
  seeds: 'seeds is a grid axis already: a count, a list or a range "a..b"',
  'featureMap.dim': 'featureMap.dim is a grid axis already when it is a list',
};

/** Fields that label or report a result: sweeping them would compute the same cells again. */
const labelFields = ['name', 'description', '$schema', 'baseline', 'figures', 'metrics.phaseTarget', 'sweep'];

const within = (path: string, field: string) => path === field || path.startsWith(`${field}.`);

/** Parses `--sweep path=[v1,v2,…]` (a JSON list). */
export function parseSweepOption(text: string): { path: string; values: unknown[] } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UserError(`--sweep expects path=[values], got "${text}"`);
  const path = text.slice(0, eq).trim();
  let values: unknown;
  try {
    values = JSON.parse(text.slice(eq + 1));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length === 0) {
    throw new UserError(`--sweep ${path}: expects a JSON list of values, e.g. --sweep '${path}=[0.5,1,2]', got "${text.slice(eq + 1)}"`);
  }
  return { path, values };
}

/** The raw config with the `--sweep` axes added to (or replacing those of) its `sweep`. */
export function withSweepOptions(raw: unknown, options: string[]): unknown {
  let config = raw;
  for (const option of options) {
    const { path, values } = parseSweepOption(option);
    const sweep = getAt(config, ['sweep']);
    config = setAt(config, ['sweep'], { ...(sweep !== null && typeof sweep === 'object' ? sweep : {}), [path]: values });
  }
  return config;
}

/** Every combination of the swept values, the first axis outermost; one empty assignment without a sweep. */
export function sweepAssignments(sweep: Record<string, unknown[]> | undefined): SweepAssignment[] {
  return Object.entries(sweep ?? {}).reduce<SweepAssignment[]>(
    (partial, [path, values]) => partial.flatMap((assignment) => values.map((value) => ({ ...assignment, [path]: value }))),
    [{}],
  );
}

const issueLines = (prefix: string, error: z.ZodError) =>
  error.issues.map((issue) => `  - ${prefix}${issue.path.length ? issue.path.map(String).join('.') : '(top level)'}: ${issue.message}`);

function assign(base: unknown, assignment: SweepAssignment): unknown {
  return Object.entries(assignment).reduce((config, [path, value]) => setAt(config, path.split('.'), value), base);
}

/** Problems of one axis that no value can fix: a grid field, a label, an entry past the end of a list. */
function pathProblem(path: string, config: Config): string | null {
  for (const [field, message] of Object.entries(gridFields)) {
    if (within(path, field)) return message;
    if (within(field, path)) return `${path} holds ${field}, a grid axis: sweep the other fields of ${path} one by one`;
  }
  const label = labelFields.find((field) => within(path, field));
  if (label) return `${label} does not change a cell's numbers: there is nothing to sweep`;
  const keys = path.split('.');
  for (let depth = 1; depth < keys.length; depth++) {
    const parent = getAt(config, keys.slice(0, depth));
    const index = Number(keys[depth]);
    if (Array.isArray(parent) && (!Number.isInteger(index) || index >= parent.length)) {
      return `${keys.slice(0, depth + 1).join('.')} does not exist (${keys.slice(0, depth).join('.')} has ${parent.length} entries, numbered from 0)`;
    }
  }
  return null;
}

/**
 * Checks the sweep of a validated config against its raw form: each axis and each value (as if
 * set in the config; one line per problem, with the value and the field path), then every
 * combination, and that a cell's config built from the resolved config (what the run does) is the
 * one the raw config gives. Throws one UserError listing every problem.
 */
export function checkSweep(raw: unknown, config: Config, source: string): void {
  if (!config.sweep) return;
  const base = setAt(raw, ['sweep'], undefined);
  const problems: string[] = [];
  for (const [path, values] of Object.entries(config.sweep)) {
    const problem = pathProblem(path, config);
    if (problem) {
      problems.push(`  - sweep.${path}: ${problem}`);
      continue;
    }
    values.forEach((value, i) => {
      const parsed = configSchema.safeParse(setAt(base, path.split('.'), value));
      if (!parsed.success) problems.push(...issueLines(`sweep.${path}[${i}] = ${stableJson(value)}: `, parsed.error));
    });
    const repeated = values.filter((value, i) => values.findIndex((other) => stableJson(other) === stableJson(value)) !== i);
    if (repeated.length) problems.push(`  - sweep.${path}: ${stableJson(repeated[0])} is listed twice`);
  }
  if (problems.length === 0) {
    const resolvedBase = resolveConfig(configSchema.parse(base));
    for (const assignment of sweepAssignments(config.sweep)) {
      const parsed = configSchema.safeParse(assign(base, assignment));
      if (!parsed.success) {
        problems.push(...issueLines(`sweep values ${stableJson(assignment)} together: `, parsed.error));
        continue;
      }
      // a default filled from another field (parity, featureMap.loss) must follow that field per cell
      const derived = differingPaths(resolveConfig(parsed.data), cellConfig({ ...resolvedBase, sweep: config.sweep }, assignment));
      if (derived.length) {
        const swept = Object.keys(assignment).join(', ');
        problems.push(
          `  - sweep: ${swept} fills the defaults of ${derived.join(', ')}, which would change with it (${stableJson(assignment)}); ` +
            'a sweep sets only its own field: set those in the config, or run one config per value',
        );
        break;
      }
    }
  }
  if (problems.length) throw new UserError(`invalid sweep in ${source}:\n${problems.join('\n')}`);
}

/** The resolved config in the form the schema reads (resolved-only nulls dropped, no sweep). */
function asInput(config: ResolvedConfig): unknown {
  const { sweep: _sweep, ...rest } = config;
  const { dim, batchSize, plateau, ...featureMap } = config.featureMap;
  return { ...rest, featureMap: { ...featureMap, ...(dim ? { dim } : {}), ...(batchSize ? { batchSize } : {}), ...(plateau ? { plateau } : {}) } };
}

const cellConfigs = new WeakMap<ResolvedConfig, Map<string, ResolvedConfig>>();

/** The config of the cells with these swept values: the values set, validated, resolved (no sweep left). */
export function cellConfig(config: ResolvedConfig, assignment: SweepAssignment): ResolvedConfig {
  if (!config.sweep) return config;
  const known = cellConfigs.get(config) ?? new Map<string, ResolvedConfig>();
  cellConfigs.set(config, known);
  const id = stableJson(assignment);
  const cached = known.get(id);
  if (cached) return cached;
  const parsed = configSchema.safeParse(assign(asInput(config), assignment));
  if (!parsed.success) throw new UserError(`sweep values ${id}:\n${issueLines('', parsed.error).join('\n')}`);
  const resolved = resolveConfig(parsed.data);
  known.set(id, resolved);
  return resolved;
}
