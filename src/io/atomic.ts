/**
 * Results are written to a temporary file and renamed: a killed run never leaves a half-written file.
 * The temporary file is created exclusively (O_CREAT | O_EXCL | O_NOFOLLOW) under a name no one can
 * guess (random bytes), so a file or symlink planted in the folder is never written through. The name
 * keeps the pid, so that temporaries of dead runs can be recognised and removed (staleTemporaries.ts).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** `<file>.<pid>.<12 hex digits>.tmp`, and the older `<file>.<pid>.tmp`; group 1 is the pid. */
export const temporaryName = /\.(\d+)(?:\.[0-9a-f]{12})?\.tmp$/;

export function temporaryPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

// O_NOFOLLOW does not exist on Windows (0 there); O_EXCL alone already refuses an existing symlink.
const exclusiveCreate = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/**
 * Creates `path`, which must not exist (not even as a symlink), writes `data` and flushes it to disk,
 * so that after a crash the renamed file is whole, never empty. (The folder is not fsynced: after a
 * crash it holds the old file or the new one, both whole; that fsync cost ~6 ms more per file.)
 */
export function writeNewFile(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, exclusiveCreate, 0o666); // fails (EEXIST) before anything is touched
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true }); // ours: created above
    throw error;
  }
  closeSync(fd);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryPath(path);
  writeNewFile(temporary, data);
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
