/** What produced a result: versions, backend, git commit, machine, times. */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, hostname, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendInfo } from '../backend/select.ts';
import type { ExperimentResult } from '../experiments/runner.ts';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function packageVersion(name: string): string | null {
  try {
    const require = createRequire(join(projectRoot, 'package.json'));
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

function gitCommit(): string | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'ignore'] });
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return commit.toString().trim() + (dirty.toString().trim() ? '-dirty' : '');
  } catch {
    return null;
  }
}

export interface Manifest {
  uhop: string | null;
  command: string[];
  startedAt: string;
  finishedAt: string;
  gitCommit: string | null;
  backend: BackendInfo;
  versions: Record<string, string | null>;
  machine: { hostname: string; platform: string; release: string; cpus: number; cpuModel: string };
  dataset: ExperimentResult['pool'];
}

export function buildManifest(result: ExperimentResult, startedAt: Date, finishedAt: Date): Manifest {
  const cpuList = cpus();
  return {
    uhop: packageVersion('uhop') ?? readOwnVersion(),
    command: process.argv.slice(2),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    gitCommit: gitCommit(),
    backend: result.backend,
    versions: {
      node: process.versions.node,
      '@tensorflow/tfjs': packageVersion('@tensorflow/tfjs'),
      '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
      '@tensorflow/tfjs-node': packageVersion('@tensorflow/tfjs-node'),
      '@tensorflow/tfjs-node-gpu': packageVersion('@tensorflow/tfjs-node-gpu'),
    },
    machine: {
      hostname: hostname(),
      platform: platform(),
      release: release(),
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model ?? 'unknown',
    },
    dataset: result.pool,
  };
}

function readOwnVersion(): string | null {
  try {
    const require = createRequire(import.meta.url);
    return (require(join(projectRoot, 'package.json')) as { version: string }).version;
  } catch {
    return null;
  }
}
