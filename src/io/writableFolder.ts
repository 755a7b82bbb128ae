/** Whether results can be written to a folder, found before any computing. */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';

/** `label` names the option or field the folder came from, for the message. */
export function assertFolderPath(folder: string, label: string): void {
  if (existsSync(folder) && !statSync(folder).isDirectory()) throw new UserError(`${label}: ${folder} is a file, not a folder`);
}

/** Creates the folder (and its parents) and writes a probe file there, or says why it cannot. */
export function ensureWritableFolder(folder: string, label: string): void {
  assertFolderPath(folder, label);
  const probe = join(folder, `.uhop-write-test.${process.pid}.tmp`);
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOTDIR' ? 'ENOTDIR: a part of the path is a file' : code === 'ENOSPC' ? 'ENOSPC: the disk is full' : (error as Error).message;
    throw new UserError(`${label}: cannot write results to ${folder} (${why}); choose another folder with --out or fix its permissions`);
  }
}
