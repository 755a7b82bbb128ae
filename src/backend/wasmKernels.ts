/** Putting a kernel of uhop's in place of one of tfjs's wasm backend's, and tfjs's back. */
import { tf } from './tf.ts';

type KernelArgs = Parameters<tf.KernelConfig['kernelFunc']>[0];
type KernelResult = ReturnType<tf.KernelConfig['kernelFunc']>;
/** A replacement kernel; `fallback` is tfjs's own, for the inputs the replacement does not take. */
export type KernelReplacement = (args: KernelArgs, fallback: tf.KernelConfig['kernelFunc']) => KernelResult;

const originals = new Map<string, tf.KernelConfig>();

/** Registers `replacement` as the wasm backend's kernel `name`, or tfjs's own again (null). */
export function replaceWasmKernel(name: string, replacement: KernelReplacement | null): void {
  let original = originals.get(name);
  if (!original) {
    original = tf.getKernel(name, 'wasm');
    if (!original) throw new Error(`the wasm backend has no ${name} kernel to replace`);
    originals.set(name, original);
  }
  tf.unregisterKernel(name, 'wasm');
  if (replacement === null) {
    tf.registerKernel(original);
    return;
  }
  const fallback = original.kernelFunc;
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: (args) => replacement(args, fallback) });
}
