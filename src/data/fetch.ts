/**
 * `uhop data fetch`: downloads a dataset's files from its canonical URL (or a mirror), resuming
 * partial downloads (HTTP Range), checking each file's sha256 against the pinned value, and
 * renaming into place only when it matches. Nothing is downloaded unless the user asks.
 */
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar';
import { UserError } from '../errors.ts';
import { removeStaleTemporaries } from '../io/staleTemporaries.ts';
import { defaultIdleTimeoutSeconds, describeNetworkError, getFollowingSameHost, IdleWatchdog } from './httpGet.ts';
import type { CatalogDataset, CatalogFile } from './catalog.ts';

export interface FetchProgress {
  onFile?(name: string, total: number | null, resumedFrom: number): void;
  onBytes?(received: number): void;
  onDone?(name: string, status: 'downloaded' | 'already present'): void;
}

export interface FetchOptions {
  /** Where <dataset>/ is created (default ./data). */
  dataDir: string;
  /** Replaces the dataset's base URL; file names are appended. */
  mirror?: string;
  splits?: Array<'train' | 'test'>;
  progress?: FetchProgress;
  /** Seconds without data after which a download gives up, keeping its .part (default 30). */
  idleTimeoutSeconds?: number;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function verified(path: string, file: CatalogFile): Promise<boolean> {
  if (!existsSync(path)) return false;
  const sum = await sha256OfFile(path);
  return sum === file.sha256 || Object.values(file.alternates ?? {}).includes(sum);
}

/** Downloads one file to `dest` through `dest.part`, resuming what a previous attempt left. */
export async function downloadFile(
  url: string,
  dest: string,
  file: CatalogFile,
  progress: FetchProgress = {},
  idleTimeoutSeconds = defaultIdleTimeoutSeconds,
): Promise<void> {
  const part = `${dest}.part`;
  const resumeFrom = existsSync(part) ? statSync(part).size : 0;
  const host = new URL(url).host;
  const watchdog = new IdleWatchdog(idleTimeoutSeconds);
  let response: Response | null = null;
  let received = 0;
  let total: number | null = null;
  try {
    response = await getFollowingSameHost(url, resumeFrom > 0 ? { Range: `bytes=${resumeFrom}-` } : {}, watchdog.signal);
    const complete = response.status === 416 && resumeFrom > 0; // the part file already holds everything
    if (!complete) {
      if (!response.ok || !response.body) throw new UserError(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`);
      const resumed = response.status === 206;
      const length = Number(response.headers.get('content-length'));
      received = resumed ? resumeFrom : 0;
      total = Number.isFinite(length) && length > 0 ? length + received : null;
      progress.onFile?.(file.name, total, received);
      // each chunk is written before the next is read, and the file is closed whatever happens: after a
      // stall or a cut, the .part holds exactly the bytes received, ready for the resume
      const output = await open(part, resumed ? 'a' : 'w');
      try {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
          watchdog.alive();
          await output.write(chunk);
          received += chunk.length;
          progress.onBytes?.(received);
        }
      } finally {
        await output.close();
      }
      if (total !== null && received < total) throw new Error(`the body ended after ${received} of ${total} bytes`);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    const kept = existsSync(part) ? `; the ${statSync(part).size} bytes received are kept in ${part}: run the same command again to resume` : '';
    if (watchdog.fired) {
      throw new UserError(
        `${file.name}: no data from ${host} for ${watchdog.seconds} s (the server stalled or the connection dropped)${kept} ` +
          `(--timeout SECONDS or UHOP_FETCH_TIMEOUT waits longer)`,
      );
    }
    if (response === null) throw new UserError(`cannot download ${url}: ${describeNetworkError(error)} (offline? try --mirror URL)`);
    const of = total === null ? '' : ` of ${total}`;
    throw new UserError(`${file.name}: the connection to ${host} broke after ${received}${of} bytes (${describeNetworkError(error)})${kept}`);
  } finally {
    watchdog.stop();
  }
  const sum = await sha256OfFile(part);
  if (sum !== file.sha256 && !Object.values(file.alternates ?? {}).includes(sum)) {
    rmSync(part, { force: true });
    throw new UserError(`${file.name}: checksum mismatch (sha256 ${sum}, expected ${file.sha256}); the download was removed, nothing was installed`);
  }
  renameSync(part, dest);
}

/** Fetches every file of the asked splits (or the archive, unpacked) into <dataDir>/<dataset>/. */
export async function fetchDataset(dataset: CatalogDataset, options: FetchOptions): Promise<string> {
  const folder = join(options.dataDir, dataset.name);
  mkdirSync(folder, { recursive: true });
  removeStaleTemporaries(folder);
  const base = (options.mirror ?? dataset.url).replace(/\/?$/, '/');
  const progress = options.progress ?? {};
  const splits = options.splits ?? ['train', 'test'];
  if (dataset.archive) {
    const sub = dataset.subfolders[0];
    const wanted = splits.flatMap((split) => dataset.splits[split]);
    const present = await Promise.all(wanted.map((file) => verified(join(folder, sub, file.name), file)));
    if (present.every(Boolean)) {
      progress.onDone?.(dataset.archive.name, 'already present');
      return folder;
    }
    const archive = join(folder, dataset.archive.name);
    if (!(await verified(archive, dataset.archive))) await downloadFile(base + dataset.archive.name, archive, dataset.archive, progress, options.idleTimeoutSeconds);
    await extract({ file: archive, cwd: folder });
    for (const file of wanted) {
      if (!(await verified(join(folder, sub, file.name), file))) {
        throw new UserError(`${join(folder, sub, file.name)}: missing or wrong sha256 after unpacking ${dataset.archive.name}`);
      }
    }
    progress.onDone?.(dataset.archive.name, 'downloaded');
    return folder;
  }
  for (const file of splits.flatMap((split) => dataset.splits[split])) {
    const dest = join(folder, file.name);
    if (await verified(dest, file)) {
      progress.onDone?.(file.name, 'already present');
      continue;
    }
    await downloadFile(base + file.name, dest, file, progress, options.idleTimeoutSeconds);
    progress.onDone?.(file.name, 'downloaded');
  }
  return folder;
}
