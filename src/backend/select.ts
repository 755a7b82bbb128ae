/**
 * Chooses the tfjs backend at run time: tfjs-node-gpu → tfjs-node → wasm → cpu, or the one named
 * by UHOP_BACKEND. The tfjs-node packages are optional dependencies (their install downloads
 * libtensorflow, which fails offline), so a failed import just moves on to the next choice.
 */
import { createRequire } from 'node:module';
import { tf } from './tf.ts';
import { UserError } from '../errors.ts';
import { findBlas, type Blas, type BlasInfo } from './blas.ts';
import { useBlasMatMul } from './blasMatMul.ts';
import { useHeapSlice } from './sliceKernel.ts';
import { useHeapExp } from './expKernel.ts';
import { tuneMalloc } from './mallocTuning.ts';
import { withTfjsCodeCache } from '../io/codeCache.ts';

export const backendChoices = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof backendChoices)[number];

export interface BackendInfo {
  /** uhop's name for it, as in UHOP_BACKEND. */
  choice: BackendChoice;
  /** tfjs's name for it (tf.getBackend()). */
  tfBackend: string;
  /** Short label recorded with every result: the backend, plus "+blas" when matMuls go to native BLAS. */
  label: string;
  /**
   * Everything about the backend that can change a result's last bits, for the cell keys: the label,
   * the backend package's version and the BLAS build as loaded (vendor, version, kernel, e.g.
   * "OpenBLAS 0.3.21 … Zen"). Cells computed with another BLAS get other keys.
   */
  identity: string;
  /** Why earlier choices were skipped. */
  skipped: string[];
  /** The native BLAS behind the wasm backend's matMul, if one was found. */
  blas: BlasInfo | null;
  /** Why BLAS libraries were not used (wasm only). */
  blasSkipped: string[];
}

// Specifiers in variables keep TypeScript from requiring the optional packages at compile time.
const optionalModules: Record<BackendChoice, string | null> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: null,
};
const tfNames: Record<BackendChoice, string> = { 'node-gpu': 'tensorflow', node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };
const requireModule = createRequire(import.meta.url);

async function tryBackend(choice: BackendChoice): Promise<string | null> {
  const specifier = optionalModules[choice];
  try {
    // require(), not import(): the backends are CommonJS (see tf.ts)
    if (specifier) withTfjsCodeCache(() => requireModule(specifier));
    const ok = await tf.setBackend(tfNames[choice]);
    if (!ok) return `${choice}: tf.setBackend("${tfNames[choice]}") failed`;
    await tf.ready();
    return null;
  } catch (error) {
    const firstLine = String((error as Error).message ?? error).split('\n')[0];
    return `${choice}: ${firstLine}`;
  }
}

function packageVersion(specifier: string | null): string {
  if (!specifier) return 'built in';
  try {
    return (requireModule(`${specifier}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

let current: BackendInfo | null = null;
let blas: Blas | null = null;

export async function initBackend(requested = process.env.UHOP_BACKEND): Promise<BackendInfo> {
  if (current && (!requested || requested === current.choice)) return current;
  if (requested && !(backendChoices as readonly string[]).includes(requested)) {
    throw new UserError(`UHOP_BACKEND="${requested}" is not one of ${backendChoices.join(', ')}`);
  }
  tuneMalloc();
  const order: readonly BackendChoice[] = requested ? [requested as BackendChoice] : backendChoices;
  const skipped: string[] = [];
  for (const choice of order) {
    const failure = await tryBackend(choice);
    if (failure === null) {
      // The BLAS kernel is for the wasm path only; tfjs-node has native matMuls of its own.
      const search = choice === 'wasm' ? findBlas() : { blas: null, skipped: [] };
      if (choice === 'wasm') {
        useHeapSlice(true);
        useHeapExp(true);
      }
      blas = search.blas;
      if (blas) useBlasMatMul(blas);
      // the thread count changes the last bits of BLAS results, so it is part of the label (and cache key)
      const label = !search.blas ? choice : search.blas.info.threads === 1 ? `${choice}+blas` : `${choice}+blas×${search.blas.info.threads}`;
      const tfjs = `tfjs ${tf.version.tfjs}, ${optionalModules[choice] ?? 'cpu'} ${packageVersion(optionalModules[choice])}`;
      current = {
        choice,
        tfBackend: tf.getBackend(),
        label,
        identity: [label, tfjs, ...(search.blas ? [`${search.blas.info.library}: ${search.blas.info.config}`] : [])].join('; '),
        skipped,
        blas: search.blas?.info ?? null,
        blasSkipped: search.skipped,
      };
      return current;
    }
    skipped.push(failure);
  }
  throw new UserError(`no tfjs backend could be started:\n  ${skipped.join('\n  ')}`);
}

/** The native BLAS behind matMul, when the wasm backend found one. */
export function activeBlas(): Blas | null {
  return blas;
}

/**
 * Routes wasm matMuls to the BLAS found at start-up (true) or to tfjs's own kernel (false), so that
 * benchmarks and tests can compare both in one process. Returns whether BLAS is now in use.
 */
export function setBlasMatMul(enabled: boolean): boolean {
  if (!blas) return false;
  useBlasMatMul(enabled ? blas : null);
  return enabled;
}
