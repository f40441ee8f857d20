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

export interface SchemaOptions {
  /**
   * Check the schema itself against the JSON Schema meta-schema first. Off at run time: it
   * costs a third of start-up and the schema is fixed; the schema test turns it on.
   */
  readonly validateSchema?: boolean;
}

let cached: SchemaValidators | undefined;

/** Compiles the schema once per process: compiling costs far more than validating. */
export function getSchemaValidators(): SchemaValidators {
  cached ??= compileValidators(readSchema(), {});
  return cached;
}

export function readSchemaText(): string {
  return readFileSync(SCHEMA_URL, 'utf8');
}

export function readSchema(): Record<string, unknown> {
  return JSON.parse(readSchemaText()) as Record<string, unknown>;
}

/** Compiles all three validators; the two for dynamic files only when first used. */
export function compileValidators(
  schema: Record<string, unknown>,
  options: SchemaOptions,
): SchemaValidators {
  // verbose: messages need `parentSchema` (allowed keys, both range ends). The offending
  // `data` it also attaches is never printed.
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strictTypes: false,
    validateSchema: options.validateSchema === true,
  });
  addFormats(ajv);
  const config = ajv.compile(schema);
  const id = String(schema.$id);
  let service: ValidateFunction | undefined;
  let services: ValidateFunction | undefined;
  return {
    schema,
    config,
    get service() {
      service ??= ajv.compile({ $ref: `${id}#/$defs/service` });
      return service;
    },
    get services() {
      services ??= ajv.compile({ $ref: `${id}#/$defs/services` });
      return services;
    },
  };
}

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type SchemaError = ErrorObject;
