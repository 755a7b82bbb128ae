/**
 * The README's config reference, generated from the zod schema's JSON Schema so that the two
 * cannot drift apart (a test compares the README with this output).
 */
import { configJsonSchema } from './schema.ts';
import { parityDefaults } from './parity.ts';

interface JsonSchema {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

const show = (value: unknown): string => JSON.stringify(value);

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return show(schema.const);
  if (schema.enum) return schema.enum.map(show).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' \\| ');
  if (schema.type === 'array' && schema.items) return `${typeOf(schema.items)}[]`;
  return schema.type ?? 'any';
}

function defaultOf(name: string, schema: JsonSchema, required: boolean): string {
  if (name in parityDefaults.official) {
    const key = name as keyof typeof parityDefaults.official;
    return `parity (official ${show(parityDefaults.official[key])}, textbook ${show(parityDefaults.textbook[key])})`;
  }
  if (schema.default !== undefined && (schema.type !== 'object' || schema.properties === undefined)) {
    return `\`${show(schema.default)}\``;
  }
  return required ? '**required**' : '';
}

function rows(schema: JsonSchema, prefix: string, out: string[][]): void {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if (name === '$schema') continue;
    const path = prefix ? `${prefix}.${name}` : name;
    const required = (schema.required ?? []).includes(name);
    const variants = child.oneOf;
    if (variants) {
      out.push([path, 'one of the variants below', defaultOf(name, child, required), child.description ?? '']);
      for (const variant of variants) {
        const tag = variant.properties?.type?.const;
        out.push([`${path} (type ${show(tag)})`, 'object', '', variant.description ?? '']);
        rows({ ...variant, properties: Object.fromEntries(Object.entries(variant.properties ?? {}).filter(([k]) => k !== 'type')) }, path, out);
      }
    } else if (child.type === 'object' && child.properties) {
      rows(child, path, out);
    } else if (child.type === 'array' && child.items?.properties) {
      out.push([path, 'array of objects', defaultOf(name, child, required), child.description ?? '']);
      rows(child.items, `${path}[]`, out);
    } else {
      out.push([path, typeOf(child), defaultOf(name, child, required), child.description ?? '']);
    }
  }
}

export function configReferenceMarkdown(): string {
  const table: string[][] = [];
  rows(configJsonSchema() as JsonSchema, '', table);
  const escape = (cell: string) => cell.replace(/\|(?<!\\\|)/g, '\\|').replace(/\n/g, ' ');
  const lines = table.map((cells) => `| ${cells.map((c, i) => (i === 0 ? `\`${c}\`` : i === 1 ? c : escape(c))).join(' | ')} |`);
  return ['| field | type | default | meaning |', '| --- | --- | --- | --- |', ...lines].join('\n');
}
