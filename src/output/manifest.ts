/** manifest.json: what produced a result (gathered by src/runs/provenance.ts). */
import type { BackendInfo } from '../backend/select.ts';
import type { PoolFingerprint } from '../data/pool.ts';

export interface Manifest {
  uhop: string;
  command: string[];
  startedAt: string;
  finishedAt: string;
  gitCommit: string | null;
  /** Hash of the math sources; cells of different math versions are never mixed. */
  mathVersion: string;
  backend: BackendInfo;
  versions: Record<string, string | null>;
  machine: { hostname: string; platform: string; release: string; cpus: number; cpuModel: string };
  dataset: PoolFingerprint;
  /** Keys of this result's cells, in grid order (what `uhop report` and `uhop merge` read). */
  cellKeys: string[];
  cells: { total: number; cached: number; ran: number; failed: number };
  workers: number;
  shard: string | null;
}
