/**
 * Temporary files of killed runs (see atomic.ts) would pile up in the folders uhop writes; each
 * writer calls this for its folder first. A live run's temporaries are kept: it may still rename them.
 */
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryName } from './atomic.ts';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}

/** Removes `<name>.<pid>[.<random>].tmp` files of processes that no longer run; a missing folder is fine. */
export function removeStaleTemporaries(folder: string): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(temporaryName.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    const path = join(folder, name);
    try {
      // a file or a symlink (removed itself, never its target); a folder of that name is not ours
      if (!lstatSync(path).isDirectory()) unlinkSync(path);
    } catch {
      // gone already, or not ours to remove
    }
  }
}
