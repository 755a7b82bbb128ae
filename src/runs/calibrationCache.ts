/**
 * The probe's rates as stored in the cache folder (calibration.json), one entry per machine and
 * backend, read and written without loading tfjs: the early worker start reads them before the
 * main thread has a backend.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { cacheFolder } from '../io/cacheFolder.ts';
import { mathVersion } from './cellKey.ts';
import type { Rates } from './cost.ts';

/** Bumped whenever the probe or the Rates it returns change: older stored rates are probed again. */
const PROBE_VERSION = 4;
// every rate of Rates, no more and no fewer (the compiler checks the list against the interface)
const rateNames = Object.keys({
  gemm: true, gemm64: true, gramEntry: true, weightEntry: true, softmax: true, sparse: true, l1: true, stageStep: true, normal: true, cell: true, model: true,
} satisfies Record<keyof Rates, true>) as Array<keyof Rates>;

/** Stored rates of this probe version: every rate there, a finite number ≥ 0. */
function usable(rates: unknown): rates is Rates {
  return typeof rates === 'object' && rates !== null && rateNames.every((name) => Number.isFinite((rates as Record<string, unknown>)[name]) && ((rates as Record<string, number>)[name] >= 0));
}

interface Stored {
  key: string;
  measuredAt: string;
  rates: Rates;
}

const file = () => join(cacheFolder(), 'calibration.json');

/** What the rates depend on besides the backend: the CPU, Node and uhop's math. */
function machineParts(): string[] {
  return [cpus()[0]?.model ?? 'cpu', String(cpus().length), process.version, mathVersion()];
}

function keyOf(backendLabel: string): string {
  return [`probe ${PROBE_VERSION}`, backendLabel, ...machineParts()].join(' | ');
}

function readStored(): Stored[] {
  try {
    const stored: unknown = JSON.parse(readFileSync(file(), 'utf8'));
    return Array.isArray(stored) ? (stored as Stored[]) : [];
  } catch {
    return []; // none yet, or unreadable: probe again
  }
}

/** The rates stored for this machine and backend, or null. */
export function cachedRates(backendLabel: string): Rates | null {
  const key = keyOf(backendLabel);
  const hit = readStored().find((entry) => entry.key === key);
  return hit && usable(hit.rates) ? hit.rates : null;
}

/**
 * The rates stored last for this machine under any backend, or null: a guess made before the
 * backend is started (which backend starts is known only then; it is almost always the last one).
 */
export function lastRatesOfMachine(): Rates | null {
  const prefix = `probe ${PROBE_VERSION} | `;
  const suffix = ` | ${machineParts().join(' | ')}`;
  const stored = readStored();
  for (let i = stored.length - 1; i >= 0; i--) {
    const { key, rates } = stored[i] ?? {};
    if (typeof key === 'string' && key.startsWith(prefix) && key.endsWith(suffix) && usable(rates)) return rates;
  }
  return null;
}

/** Stores the rates of this machine and backend (the last ten entries kept); a read-only home stores nothing. */
export function storeRates(backendLabel: string, rates: Rates): void {
  const key = keyOf(backendLabel);
  const others = readStored().filter((entry) => entry.key !== key);
  try {
    mkdirSync(cacheFolder(), { recursive: true });
    writeFileAtomic(file(), `${JSON.stringify([...others.slice(-9), { key, measuredAt: new Date().toISOString(), rates }], null, 2)}\n`);
  } catch {
    // a read-only home: the probe simply runs again next time
  }
}
