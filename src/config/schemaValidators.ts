import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * The JSON Schema in `schema/` is the single source of structure, types, ranges and defaults.
 * It ships next to `dist/` (package.json "files"), two levels up from this module both in
 * `src/config/` and in `dist/config/`.
 */
const SCHEMA_URL = new URL('../../schema/credproxy.schema.json', import.meta.url);

export interface SchemaValidators {
  /** The parsed schema, as printed by `credproxy schema`. */
  readonly schema: Readonly<Record<string, unknown>>;
  /** The whole config file. */
  readonly config: ValidateFunction;
  /** One service definition (`#/$defs/service`): a flat dynamic service file. */
  readonly service: ValidateFunction;
  /** A `services:` map (`#/$defs/services`): a dynamic service file listing several. */
  readonly services: ValidateFunction;
}

let cached: SchemaValidators | undefined;

/** Compiles the schema once per process: compiling costs far more than validating. */
export function getSchemaValidators(): SchemaValidators {
  cached ??= compileValidators(readSchema());
  return cached;
}

export function readSchemaText(): string {
  return readFileSync(SCHEMA_URL, 'utf8');
}

function readSchema(): Record<string, unknown> {
  return JSON.parse(readSchemaText()) as Record<string, unknown>;
}

function compileValidators(schema: Record<string, unknown>): SchemaValidators {
  // verbose: messages need `parentSchema` (allowed keys, both range ends). The offending
  // `data` it also attaches is never printed.
  const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strictTypes: false });
  addFormats(ajv);
  const config = ajv.compile(schema);
  const id = String(schema.$id);
  return {
    schema,
    config,
    service: ajv.compile({ $ref: `${id}#/$defs/service` }),
    services: ajv.compile({ $ref: `${id}#/$defs/services` }),
  };
}

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type SchemaError = ErrorObject;
