/** What the models of one cell share: memories, queries, targets, the pixel and Stage I spaces. */
import type { tf } from '../backend/tf.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import type { FeatureSpace } from '../hopfield/featureSpace.ts';
import type { StageI } from './stageOne.ts';
import type { CellKey } from './records.ts';
import type { CellShare } from './blockRunner.ts';
import type { PluginSet } from '../plugins/contract.ts';

/** Everything the models of a cell share. */
export interface CellContext {
  config: ResolvedConfig;
  cell: CellKey;
  dim: number;
  backend: string;
  memories: tf.Tensor2D;
  /** The memories' row-major values (rows are copied from here, not gathered on the backend). */
  memoryValues: Float32Array;
  queries: tf.Tensor2D;
  /** The queries' row-major values (blocks of queries are made from here). */
  queryValues: Float32Array;
  /** Memory position each query was built from. */
  targets: Int32Array;
  /**
   * The memory nearest to each query in input space, computed on the first call (a Q × M product):
   * when the queries were built from memories, after the pixel models' blocks are out, not before.
   */
  nearest(): Int32Array;
  /** Labels of the memories, null when the pool has a single class. */
  memoryLabels: Int32Array | null;
  /**
   * Δ_min and mean cosine of the memories themselves, computed on the first call (an M × M product).
   * A method, not a getter: spreading the context (`{ ...context }`) would run a getter.
   */
  rawGeometry(): { deltaMin: number; meanCosine: number };
  /** Pool indices of the memories and of the queries (for queries.csv). */
  memoryIndices: Int32Array;
  queryIndices: Int32Array;
  pixels: FeatureSpace;
  stage: StageI | null;
  /** The config's loaded plugin modules (separations and similarities by name). */
  plugins: PluginSet;
  /** Geometry and feature norms of the memories in a space, computed once per space. */
  /** The cell's inputs in shareable form (SharedArrayBuffers), made on first need. */
  share(): CellShare;
  spaceFacts(space: FeatureSpace): { geometry: { deltaMin: number; meanCosine: number }; norms: { mean: number; max: number } };
}
