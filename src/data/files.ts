/** Reading data files: gunzip when needed, sha256 of what is on disk, clear errors. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../errors.ts';

export interface ReadFile {
  path: string;
  /** Contents, decompressed. */
  bytes: Buffer;
  /** sha256 of the file as stored (compressed or not). */
  sha256: string;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function readDataFile(path: string, howToGet: string): ReadFile {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${(error as Error).message}\n${howToGet}`);
  }
  const gzipped = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  let bytes = raw;
  if (gzipped) {
    try {
      bytes = gunzipSync(raw);
    } catch (error) {
      throw new UserError(`${path}: corrupt or truncated gzip file (${(error as Error).message})\n${howToGet}`);
    }
  }
  return { path, bytes, sha256: sha256Of(raw) };
}
