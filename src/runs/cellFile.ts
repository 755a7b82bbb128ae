/**
 * The schema of the cell files in `cells/`: a cell is read back only when its file parses and
 * every field has its type, so a truncated or edited file is never taken for a result.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { CachedCell, FailedCell, ModelRecord, ModelTiming, QueryRow, StageOneRow, TraceRow } from '../experiments/records.ts';

/** JSON has no NaN: a NaN measure (e.g. endLabel without labels) is written as null and read back as null (an empty CSV field). */
const measure = z
  .number()
  .nullable()
  .transform((value) => value as number);
const count = z.number().int().nonnegative();
const position = {
  M: z.number().int().min(2),
  seed: count,
};

const recordSchema = z
  .object({
    model: z.string(),
    dataset: z.string(),
    ...position,
    featureDim: z.number().int().positive(),
    // a non-finite error makes the cell a failure, never a record
    error: z.number(),
    mse: measure,
    exactRate: measure,
    successRate: measure,
    deltaMin: measure,
    sepLossInit: z.number().nullable(),
    sepLossFinal: z.number().nullable(),
    similarity: z.string(),
    separation: z.string(),
    featureMap: z.boolean(),
    backend: z.string(),
    control: z.string(),
    beta: measure,
    logitScale: measure,
    wNormInit: z.number().nullable(),
    wNormTrained: z.number().nullable(),
    featureNormMean: measure,
    featureNormMax: measure,
    deltaMinInit: measure,
    meanCosInit: measure,
    meanCos: measure,
    deltaMinRaw: measure,
    endNearest: measure,
    endLabel: measure,
    distinctEnds: count,
    stepsUsed: count,
    metastableShare: measure,
    supportMean: measure,
    convergedTarget: measure,
    convergedOther: measure,
    notConverged: measure,
    supportHistogram: z.array(measure).min(1),
  })
  .strict() satisfies z.ZodType<ModelRecord>;

const timingSchema = z
  .object({ model: z.string(), ...position, featureDim: z.number().int().positive(), stageIMs: z.number(), retrievalMs: z.number() })
  .strict() satisfies z.ZodType<ModelTiming>;

const traceSchema = z
  .object({ model: z.string(), ...position, featureDim: z.number().int().positive(), step: z.number().int().positive(), energy: measure, change: measure })
  .strict() satisfies z.ZodType<TraceRow>;

const querySchema = z
  .object({
    model: z.string(),
    ...position,
    featureDim: z.number().int().positive(),
    query: count,
    queryIndex: count,
    targetIndex: count,
    endIndex: count,
    error: z.number(),
    support: count,
  })
  .strict() satisfies z.ZodType<QueryRow>;

const nullable = z.number().nullable();
const stageOneSchema = z
  .object({ ...position, featureDim: z.number().int().positive(), epoch: count, loss: nullable, batchLoss: nullable, deltaMin: nullable })
  .strict() satisfies z.ZodType<StageOneRow>;

const cellPosition = {
  key: z.string().regex(/^[0-9a-f]+$/),
  memories: z.number().int().min(2),
  seed: count,
  featureDim: z.number().int().positive().nullable().optional(),
  /** The cell's swept values (configs with a `sweep`). */
  sweep: z.record(z.string(), z.unknown()).optional(),
};

export const cachedCellSchema = z
  .object({
    ...cellPosition,
    records: z.array(recordSchema).min(1),
    timings: z.array(timingSchema),
    trace: z.array(traceSchema),
    queries: z.array(querySchema).optional(),
    stageOne: z.array(stageOneSchema).optional(),
    finishedAt: z.string(),
  })
  .strict()
  .superRefine((cell, ctx) => {
    // every row belongs to this cell
    const rows: Array<[string, Array<{ M: number; seed: number; featureDim?: number }>]> = [
      ['records', cell.records],
      ['timings', cell.timings],
      ['trace', cell.trace],
      ['queries', cell.queries ?? []],
      ['stageOne', cell.stageOne ?? []],
    ];
    for (const [field, list] of rows) {
      list.forEach((row, i) => {
        const elsewhere =
          row.M !== cell.memories || row.seed !== cell.seed || (cell.featureDim != null && row.featureDim !== undefined && row.featureDim !== cell.featureDim);
        if (elsewhere) ctx.addIssue({ code: 'custom', path: [field, i], message: `belongs to another cell (M ${row.M}, seed ${row.seed}) than the file (M ${cell.memories}, seed ${cell.seed})` });
      });
    }
  }) satisfies z.ZodType<CachedCell>;

export const failedCellSchema = z
  .object({ ...cellPosition, error: z.string(), failedAt: z.string() })
  .strict() satisfies z.ZodType<FailedCell>;

/** What reading one cell file gave. */
export type CellRead<T> = { kind: 'ok'; cell: T } | { kind: 'missing' } | { kind: 'damaged'; path: string; problem: string };

/** Reads and checks one cell file; `key` is the key its name gives, which the file must repeat. */
export function readCellFile<T extends { key: string }>(path: string, key: string, schema: z.ZodType<T>): CellRead<T> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'damaged', path, problem: `unreadable (${(error as Error).message})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'damaged', path, problem: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    return { kind: 'damaged', path, problem: `${where}: ${issue.message}${more}` };
  }
  if (parsed.data.key !== key) return { kind: 'damaged', path, problem: `its key ${parsed.data.key} is not its name's` };
  return { kind: 'ok', cell: parsed.data };
}
