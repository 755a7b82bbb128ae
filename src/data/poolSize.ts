/**
 * The shape of a dataset's pool known without loading it (the pinned files have fixed sizes), so
 * that `uhop validate` and `--dry-run` catch an M larger than the pool before anything runs.
 */
import type { DatasetSpec } from '../config/schema.ts';

export interface PoolShape {
  /** Images (points) in the pool. */
  count: number;
  /** Values per image, d. */
  dim: number;
  /** Images in the test split (queries.from "test"), null for datasets without one. */
  testCount: number | null;
}

const fileDatasets = {
  'mnist-full': { train: 60_000, test: 10_000, dim: 784 },
  'fashion-mnist': { train: 60_000, test: 10_000, dim: 784 },
  cifar10: { train: 50_000, test: 10_000, dim: 3072 },
} as const;

export function poolShape(spec: DatasetSpec): PoolShape {
  switch (spec.name) {
    case 'mnist':
      return { count: 10_000, dim: 784, testCount: null };
    case 'synthetic-sphere':
    case 'synthetic-clusters':
      return { count: spec.count, dim: spec.dim, testCount: null };
    case 'cifar10': {
      const sizes = fileDatasets.cifar10;
      return { count: sizes[spec.split], dim: spec.grayscale ? 1024 : sizes.dim, testCount: sizes.test };
    }
    default: {
      const sizes = fileDatasets[spec.name];
      return { count: sizes[spec.split], dim: sizes.dim, testCount: sizes.test };
    }
  }
}
