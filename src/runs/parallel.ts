/**
 * When a cell's blocks are worth handing to other workers: a cell whose retrieval is small runs
 * in one worker (copying and rebuilding its inputs elsewhere would cost more than it saves), and
 * many small cells keep every worker busy one cell each.
 */
import type { BlockJob } from '../experiments/blockRunner.ts';

/** Retrieval FLOPs above which a cell's blocks are shared (UHOP_SHARE_FLOPS overrides, e.g. 0 in tests). */
export const SHARE_FLOPS = 4e9;

export function shareThreshold(): number {
  const fromEnv = Number(process.env.UHOP_SHARE_FLOPS);
  return process.env.UHOP_SHARE_FLOPS !== undefined && Number.isFinite(fromEnv) && fromEnv >= 0 ? fromEnv : SHARE_FLOPS;
}

export function shouldShare(jobs: BlockJob[]): boolean {
  return jobs.length > 1 && jobs.reduce((sum, job) => sum + job.flops, 0) >= shareThreshold();
}
