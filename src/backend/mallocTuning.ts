/**
 * glibc's malloc maps every large block (a cell's 2–20 MB score and weight arrays) with mmap and
 * unmaps it when freed, so each new array pays its page faults again, and in a process with several
 * worker threads those faults and unmaps contend for the one address space: measured here, 300
 * allocations of 4.9 MB took 0.46 s in one thread and 1.4 s in each of two. Raising the mmap
 * threshold to its maximum (32 MiB) and the trim threshold keeps freed blocks in the heap for reuse
 * (0.29 s, and 0.30 s in each of two). Settings are process-wide; elsewhere than glibc nothing changes.
 * UHOP_MALLOC=system leaves glibc's defaults.
 */
import { loadKoffi } from './blas.ts';

const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
/** glibc's largest mmap threshold on 64-bit systems (HEAP_MAX_SIZE / 2). */
const MMAP_THRESHOLD = 32 * 1024 * 1024;
/** Free memory a heap keeps before giving it back to the system. */
const TRIM_THRESHOLD = 512 * 1024 * 1024;

let tuned: boolean | null = null;

/** Applies the settings once per process; true when glibc took them. */
export function tuneMalloc(): boolean {
  if (tuned !== null) return tuned;
  tuned = false;
  if (process.platform !== 'linux' || process.env.UHOP_MALLOC === 'system') return tuned;
  const koffi = loadKoffi();
  if (typeof koffi === 'string') return tuned;
  try {
    const mallopt = koffi.load('libc.so.6').func('int mallopt(int param, int value)');
    tuned = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) === 1 && mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) === 1;
  } catch {
    // not glibc (musl, say): the defaults stay
  }
  return tuned;
}
