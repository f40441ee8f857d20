/**
 * Renders the configuration reference (docs/configuration.md) from the JSON Schema's
 * descriptions, so the docs cannot drift from the schema: a test regenerates it and compares.
 */
type Schema = Record<string, unknown>;

interface Row {
  readonly key: string;
  readonly type: string;
  readonly defaultValue: string;
  readonly description: string;
}

export function toConfigReference(schema: Schema): string {
  const defs = (schema.$defs ?? schema.definitions ?? {}) as Record<string, Schema>;
  const resolve = (node: Schema): Schema => {
    const ref = node.$ref;
    if (typeof ref !== 'string') return node;
    const target = defs[ref.replace(/^#\/(\$defs|definitions)\//, '')] ?? {};
    const { $ref: _ignored, ...rest } = node;
    return { ...resolve(target), ...rest };
  };

  const sections: string[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [name, raw] of Object.entries(properties)) {
    const node = resolve(raw);
    const rows: Row[] = [];
    walk(name, node, rows, resolve);
    sections.push(
      [
        `## \`${name}\``,
        '',
        text(node.description),
        '',
        '| key | type | default | description |',
        '|---|---|---|---|',
        ...rows.map((r) => `| \`${r.key}\` | ${r.type} | ${r.defaultValue} | ${r.description} |`),
        '',
      ].join('\n'),
    );
  }
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from schema/credproxy.schema.json by `npm run docs:config`. Do not edit by hand. -->',
    '',
    text(schema.description),
    '',
    'Every string value may use `${fromEnv:NAME}`, `${fromEnv:NAME:-default}`, `${fromFile:/path}`',
    'and `${fromFile:/path#key.path}`; a fromFile path or a fromEnv default may hold a `${fromEnv:...}`',
    '(`${fromFile:${fromEnv:DIR:-/run/secrets}/token}`); see the README. Keys starting with `x-` are ignored where',
    'the schema allows them (the root, services, source blocks), which is handy for YAML anchors.',
    'A reference always yields text, so integer keys cannot take one, except the two ports:',
    'there digits from a reference become the number.',
    '',
    ...sections,
  ].join('\n');
}

function walk(path: string, node: Schema, rows: Row[], resolve: (n: Schema) => Schema): void {
  const properties = node.properties as Record<string, Schema> | undefined;
  const patterns = node.patternProperties as Record<string, Schema> | undefined;
  const items = node.items as Schema | undefined;
  const named = node.additionalProperties;
  if (!properties && !patterns && typeof named === 'object' && named !== null) {
    // A map keyed by names (`services.<name>`): document one entry.
    const child = resolve(named as Schema);
    rows.push(toRow(`${path}.<name>`, child, resolve));
    walk(`${path}.<name>`, child, rows, resolve);
  } else if (properties || patterns) {
    for (const [key, raw] of Object.entries(properties ?? {})) {
      const child = resolve(raw);
      const childPath = `${path}.${key}`;
      rows.push(toRow(childPath, child, resolve));
      walk(childPath, child, rows, resolve);
    }
    for (const [pattern, raw] of Object.entries(patterns ?? {})) {
      if (pattern === '^x-') continue;
      const child = resolve(raw);
      const childPath = `${path}.<name>`;
      rows.push(toRow(childPath, child, resolve));
      walk(childPath, child, rows, resolve);
    }
  } else if (items && node.type === 'array') {
    const child = resolve(items);
    if (child.properties) walk(`${path}[]`, child, rows, resolve);
  }
}

function toRow(key: string, node: Schema, resolve: (n: Schema) => Schema): Row {
  return {
    key,
    type: typeOf(node, resolve),
    defaultValue: node.default === undefined ? '' : `\`${JSON.stringify(node.default)}\``,
    description: [text(node.description), constraints(node)].filter(Boolean).join(' '),
  };
}

function typeOf(node: Schema, resolve: (n: Schema) => Schema): string {
  if (node.type === 'array' && node.items)
    return `array of ${typeOf(resolve(node.items as Schema), resolve)}`;
  if (typeof node.type === 'string') return node.type;
  if (Array.isArray(node.type)) return node.type.join(' or ');
  if (node.properties || node.patternProperties) return 'object';
  return 'any';
}

function constraints(node: Schema): string {
  const parts: string[] = [];
  if (typeof node.minimum === 'number' && typeof node.maximum === 'number') {
    parts.push(`Range ${node.minimum}–${node.maximum}.`);
  }
  if (Array.isArray(node.enum))
    parts.push(`One of ${node.enum.map((v) => `\`${v}\``).join(', ')}.`);
  return parts.join(' ');
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.replace(/\|/g, '\\|').replace(/\n/g, ' ') : '';
}
