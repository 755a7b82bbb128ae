/**
 * One writer per results folder: `uhop.lock` (pid, host, start, command) while a run, report or
 * merge writes the folder. A second writer is refused and told who holds it; the lock of a process
 * that died on this host (kill -9, power cut) is taken over.
 */
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.ts';

export interface LockHolder {
  pid: number;
  host: string;
  started: string;
  command: string[];
}

export const lockPath = (directory: string) => join(directory, 'uhop.lock');

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return Number.isInteger(holder.pid) && typeof holder.host === 'string' ? holder : null;
  } catch {
    return null;
  }
}

/** The lock is created whole or not at all: written to a temporary file, then hard-linked (fails if it exists). */
function tryCreate(path: string, holder: LockHolder): boolean {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(holder)}\n`);
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Takes the folder's lock (creating the folder) and returns its release; throws UserError when another live process holds it. */
export function lockFolder(directory: string): () => void {
  mkdirSync(directory, { recursive: true });
  const path = lockPath(directory);
  const mine: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: process.argv.slice(2) };
  for (;;) {
    if (tryCreate(path, mine)) break;
    const holder = readHolder(path);
    if (!holder) throw new UserError(`${path} is unreadable: if no uhop process writes ${directory}, delete it`);
    const stale = holder.host === mine.host && !processAlive(holder.pid);
    if (!stale) {
      throw new UserError(
        `${directory} is being written by uhop (pid ${holder.pid} on ${holder.host}, since ${holder.started}: uhop ${holder.command.join(' ')}); ` +
          `wait for it, or write this run elsewhere with --out`,
      );
    }
    // a dead process's lock: moved aside under a name of our own, so that of two takers only one removes it
    const aside = `${path}.stale.${process.pid}`;
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another taker moved it first
      throw error;
    }
    const moved = readHolder(aside);
    if (moved && (moved.pid !== holder.pid || moved.started !== holder.started)) {
      // another taker's fresh lock was moved: it goes back, and the next round refuses
      try {
        linkSync(aside, path);
      } catch {
        // the place is taken again: the next round reads who holds it
      }
    }
    rmSync(aside, { force: true });
  }
  return () => {
    if (readHolder(path)?.pid === mine.pid) rmSync(path, { force: true });
  };
}

/** Runs `work` holding the folder's lock. */
export async function withFolderLock<T>(directory: string, work: () => Promise<T>): Promise<T> {
  const release = lockFolder(directory);
  try {
    return await work();
  } finally {
    release();
  }
}
