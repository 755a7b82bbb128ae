/** Dotted paths into JSON values (configs): read, write a copy, compare, and text that is equal for equal values. */

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** JSON with object keys sorted, so that equal values always give equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The value at `path` (own properties only), undefined where the path leads nowhere. */
export function getAt(value: unknown, path: string[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A copy of `target` with `value` at `path`, creating objects on the way (a list stays a list). */
export function setAt(target: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new Error(`"${key}" is not a config field`);
  const node = target !== null && typeof target === 'object' ? target : {};
  const copy: Record<string, unknown> | unknown[] = Array.isArray(node) ? [...node] : { ...(node as Record<string, unknown>) };
  const child = Object.hasOwn(copy, key) ? (copy as Record<string, unknown>)[key] : undefined;
  (copy as Record<string, unknown>)[key] = setAt(child, rest, value);
  return copy;
}

/** Dotted paths at which two JSON values differ (the deepest place that differs; a list of another length as a whole). */
export function differingPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const at = (key: string | number) => (prefix ? `${prefix}.${key}` : String(key));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => differingPaths(a[key], b[key], at(key)));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.flatMap((item, i) => differingPaths(item, b[i], at(i)));
  return stableJson(a ?? null) === stableJson(b ?? null) ? [] : [prefix || '(the whole value)'];
}
