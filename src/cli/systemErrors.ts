/**
 * Failures of the machine rather than of the experiment (disk full, no permission, out of memory),
 * as messages that say what to do: exit 2, no stack trace. Exit 1 stays "cells failed".
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';

const codeOf = (error: unknown): string | undefined =>
  error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' ? (error as NodeJS.ErrnoException).code : undefined;

export const isDiskFull = (error: unknown): boolean => codeOf(error) === 'ENOSPC' || codeOf(error) === 'EDQUOT';

function finishedCells(resultsDir: string): number {
  const folder = join(resultsDir, 'cells');
  if (!existsSync(folder)) return 0;
  return readdirSync(folder).filter((name) => name.endsWith('.json') && !name.endsWith('.failed.json')).length;
}

/** The disk filled up while a run wrote into `resultsDir`. */
export function diskFullError(resultsDir: string): UserError {
  const cells = finishedCells(resultsDir);
  return new UserError(
    [
      `the disk is full (ENOSPC) while writing to ${resultsDir}.`,
      `Free space on that disk (\`df -h ${resultsDir}\` shows it; each cell takes a few kB to MB, the tables and plots a few MB),`,
      `then run the same command again: the ${cells} finished cell(s) in ${join(resultsDir, 'cells')}/ are kept and are not recomputed.`,
    ].join('\n'),
  );
}

/** An error of the machine as a UserError with advice, or null when it is something else (a bug). */
export function systemError(error: unknown): UserError | null {
  if (error instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer|out of memory/i.test(error.message)) {
    return new UserError(`out of memory (${error.message}): lower memories, featureMap.dim, dataset.count or --workers`);
  }
  const code = codeOf(error);
  if (!code) return null;
  const path = (error as NodeJS.ErrnoException).path;
  const where = path ? ` (${path})` : '';
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UserError(`the disk is full (${code})${where}: free space on that disk and run the same command again (finished cells are kept)`);
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new UserError(`no permission to write${where} (${code}): choose another folder or fix its permissions`);
  if (code === 'EISDIR') return new UserError(`a folder was given where a file is expected${where}`);
  if (code === 'ENOTDIR') return new UserError(`a file was given where a folder is expected${where}`);
  return null;
}
