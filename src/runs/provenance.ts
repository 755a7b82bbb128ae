/** What produced a result: versions, backend, data, math version, git commit, machine, times, cells. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { cpus, hostname, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { mathVersion } from './cellKey.ts';
import type { BackendInfo } from '../backend/select.ts';
import type { PoolFingerprint } from '../data/pool.ts';
import type { Manifest } from '../output/manifest.ts';

export type { Manifest } from '../output/manifest.ts';

const execFileAsync = promisify(execFile);
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function packageVersion(name: string): string | null {
  try {
    const require = createRequire(join(projectRoot, 'package.json'));
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

async function git(...args: string[]): Promise<string> {
  return (await execFileAsync('git', args, { cwd: projectRoot })).stdout.trim();
}

let commit: Promise<string | null> | null = null;

/**
 * The checkout's commit (with -dirty), asked of git once per process and in the background: a run
 * calls it as it starts, so the two git calls (~50 ms) are not on its path after the last cell.
 */
export function gitCommit(): Promise<string | null> {
  commit ??= (async () => {
    try {
      const [head, changes] = await Promise.all([git('rev-parse', 'HEAD'), git('status', '--porcelain', '--untracked-files=no')]);
      return head + (changes ? '-dirty' : '');
    } catch {
      return null;
    }
  })();
  return commit;
}

export interface ManifestInput {
  startedAt: Date;
  backend: BackendInfo;
  dataset: PoolFingerprint;
  cellKeys: string[];
  cells: Manifest['cells'];
  workers: number;
  shard: string | null;
}

/** What every result records about how it was made: versions, commit, math version, backend, machine, times. */
export async function runProvenance(startedAt: Date, backend: BackendInfo) {
  const cpuList = cpus();
  const own = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  return {
    uhop: own.version,
    command: process.argv.slice(2),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    gitCommit: await gitCommit(),
    mathVersion: mathVersion(),
    backend,
    versions: {
      node: process.versions.node,
      '@tensorflow/tfjs': packageVersion('@tensorflow/tfjs'),
      '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
      '@tensorflow/tfjs-node': packageVersion('@tensorflow/tfjs-node'),
      '@tensorflow/tfjs-node-gpu': packageVersion('@tensorflow/tfjs-node-gpu'),
      koffi: packageVersion('koffi'),
    },
    machine: { hostname: hostname(), platform: platform(), release: release(), cpus: cpuList.length, cpuModel: cpuList[0]?.model ?? 'unknown' },
  };
}

export async function buildManifest(input: ManifestInput): Promise<Manifest> {
  return {
    ...(await runProvenance(input.startedAt, input.backend)),
    dataset: input.dataset,
    cellKeys: input.cellKeys,
    cells: input.cells,
    workers: input.workers,
    shard: input.shard,
  };
}
