import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileValidators, readSchema } from '../../src/config/schema/schemaValidators.js';

const schema = JSON.parse(
  readFileSync(new URL('../../schema/credproxy.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

type Node = Record<string, unknown>;

/** Every `properties` entry (with its key path) of the schema, following `$ref`s once each. */
function propertiesOf(node: Node, path: string, seen: Set<string>, out: [string, Node][]): void {
  const ref = node.$ref;
  if (typeof ref === 'string') {
    if (seen.has(ref)) return;
    const target = (schema.$defs as Record<string, Node>)[ref.replace('#/$defs/', '')];
    if (target) propertiesOf(target, path, new Set([...seen, ref]), out);
  }
  for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Node>)) {
    out.push([`${path}${key}`, child]);
    propertiesOf(child, `${path}${key}.`, seen, out);
  }
  if (node.items) propertiesOf(node.items as Node, `${path.slice(0, -1)}[].`, seen, out);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    propertiesOf(node.additionalProperties as Node, `${path}<name>.`, seen, out);
  }
}

function descriptionOf(node: Node): unknown {
  if (node.description !== undefined) return node.description;
  const ref = node.$ref;
  return typeof ref === 'string'
    ? (schema.$defs as Record<string, Node>)[ref.replace('#/$defs/', '')]?.description
    : undefined;
}

describe('schema/credproxy.schema.json', () => {
  it('keeps its $schema and $id for IDEs', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toBe('https://credproxy.dev/schema/credproxy.schema.json');
  });

  it('describes every key a user can write', () => {
    const properties: [string, Node][] = [];
    propertiesOf(schema, '', new Set(), properties);

    const undescribed = properties.filter(([, node]) => typeof descriptionOf(node) !== 'string');

    expect(properties.length).toBeGreaterThan(40);
    expect(undescribed.map(([path]) => path)).toEqual([]);
  });

  it('closes assumed_role to unknown keys', () => {
    const assumedRole = (schema.$defs as Record<string, Node>).assumedRole;

    expect(assumedRole?.additionalProperties).toBe(false);
  });
});

describe('compileValidators', () => {
  it('compiles the schema checked against the draft-07 meta-schema in strict mode', () => {
    const compile = () => compileValidators(readSchema(), { validateSchema: true });

    expect(compile).not.toThrow();
    // Which keys a service needs (a way in; a role or routes) are rules with their own messages
    // (rules/requireWayIn.ts, toServiceConfig.ts); the schema checks each key's shape.
    expect(compile().service({ auth_token: 5 })).toBe(false);
    expect(compile().service({ auth_token: 'x', surprise: 1 })).toBe(false);
  });
});
