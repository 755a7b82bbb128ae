/**
 * "expected a list, e.g. [100]": what a config field takes, with an example, read from the config's
 * JSON Schema (so it follows the zod schema). Used for the errors of `--set` values.
 */
import { configJsonSchema } from './schema.ts';

interface Schema {
  type?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  exclusiveMinimum?: number;
}

let root: Schema | null = null;

const variants = (schema: Schema): Schema[] => schema.anyOf ?? schema.oneOf ?? [schema];

/** The schema of the field at `path`, or null when there is no such field. */
function fieldSchema(path: Array<string | number>): Schema | null {
  root ??= configJsonSchema() as Schema;
  let node: Schema | null = root;
  for (const key of path) {
    const step: Schema | undefined = variants(node!).map((v) => (typeof key === 'number' || /^\d+$/.test(key) ? v.items : v.properties?.[key])).find(Boolean);
    if (!step) return null;
    node = step;
  }
  return node;
}

function kindOf(schema: Schema): string {
  if (schema.oneOf && schema.oneOf.every((v) => v.type === 'object')) return 'an object';
  if (schema.anyOf) return [...new Set(schema.anyOf.map(kindOf))].join(' or ');
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const kinds: Record<string, string> = { array: 'a list', object: 'an object', integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false' };
  return kinds[schema.type ?? ''] ?? 'a value';
}

const isScalar = (value: unknown) => typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && !/^\s*[[{]/.test(value));

/** An example value as JSON text; `given` (the user's value) is reused where it fits, as in [100] for 100. */
function exampleOf(schema: Schema, given: unknown): string {
  if (schema.anyOf) return schema.anyOf.map((v) => exampleOf(v, given)).join(' or ');
  if (schema.oneOf) {
    // discriminated union: the discriminator of its first variant, e.g. {"type":"dropout"}
    const first = schema.oneOf[0];
    const tag = Object.entries(first.properties ?? {}).find(([, s]) => s.const !== undefined);
    return tag ? JSON.stringify({ [tag[0]]: tag[1].const }) : exampleOf(first, given);
  }
  if (schema.default !== undefined && (schema.default === null || typeof schema.default !== 'object')) return JSON.stringify(schema.default);
  switch (schema.type) {
    case 'array': {
      const item = schema.items ?? {};
      const fits = isScalar(given) && (item.type === 'string' ? typeof given === 'string' : typeof given === 'number' && (item.type !== 'integer' || Number.isInteger(given)));
      return `[${fits ? JSON.stringify(given) : exampleOf(item, undefined)}]`;
    }
    case 'object': {
      const [name, field] = Object.entries(schema.properties ?? {}).find(([key]) => schema.required?.includes(key)) ?? Object.entries(schema.properties ?? {})[0] ?? [];
      return name ? `{${JSON.stringify(name)}:${exampleOf(field!, undefined)}}` : '{}';
    }
    case 'integer':
    case 'number':
      return String(schema.exclusiveMinimum !== undefined ? Math.floor(schema.exclusiveMinimum) + 1 : (schema.minimum ?? 1));
    case 'string':
      return JSON.stringify(schema.enum?.[0] ?? schema.const ?? 'text');
    case 'boolean':
      return 'true';
    default:
      return JSON.stringify(given);
  }
}

/** "expected a list, e.g. [100]" for the field at `path` given `given`, or null for an unknown field. */
export function expectedForm(path: Array<string | number>, given: unknown): string | null {
  const schema = fieldSchema(path);
  if (!schema) return null;
  const notJson = typeof given === 'string' && /^\s*[[{]/.test(given) ? ` (${JSON.stringify(given)} is not valid JSON)` : '';
  return `expected ${kindOf(schema)}, e.g. ${exampleOf(schema, given)}${notJson}`;
}
