import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import { PACKAGE_ROOT, STANDALONE_VALIDATORS_URL } from '../../paths.js';

/**
 * The JSON Schema in `schema/` is the single source of structure, types, ranges and defaults.
 * It ships next to `dist/` (package.json "files").
 */
const SCHEMA_URL = new URL('schema/credproxy.schema.json', PACKAGE_ROOT);

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

/**
 * The validators, once per process. `npm run build` writes them as plain JavaScript next to
 * this module (see writeStandaloneValidators.ts), which saves ajv's compile at every start
 * (a quarter of start-up); without that file, or when it was generated from another schema,
 * they are compiled here. Both paths use the same options and give the same errors.
 */
export function getSchemaValidators(): SchemaValidators {
  if (!cached) {
    const text = readSchemaText();
    const schema = JSON.parse(text) as Record<string, unknown>;
    cached = loadStandalone(schema, toSchemaDigest(text)) ?? compileValidators(schema, {});
  }
  return cached;
}

export function toSchemaDigest(schemaText: string): string {
  return createHash('sha256').update(schemaText).digest('hex');
}

function loadStandalone(
  schema: Record<string, unknown>,
  digest: string,
): SchemaValidators | undefined {
  let generated: Record<string, unknown>;
  try {
    generated = createRequire(import.meta.url)(fileURLToPath(STANDALONE_VALIDATORS_URL)) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
  const { config, service, services, schemaDigest } = generated;
  if (schemaDigest !== digest) return undefined;
  if (
    typeof config !== 'function' ||
    typeof service !== 'function' ||
    typeof services !== 'function'
  ) {
    return undefined;
  }
  return {
    schema,
    config: config as ValidateFunction,
    service: service as ValidateFunction,
    services: services as ValidateFunction,
  };
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
  const ajv = createAjv({ validateSchema: options.validateSchema === true });
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

/**
 * The one ajv configuration, for run-time compiling and for the generated module alike.
 * verbose: messages need `parentSchema` (allowed keys, both range ends); the offending `data`
 * it also attaches is never printed.
 */
export function createAjv(extra: Options = {}): Ajv {
  // Loaded on demand (both are CommonJS): with the generated validators a start needs neither
  // the compiler (about 50 ms) nor the format plug-in.
  const load = createRequire(import.meta.url);
  const ajvModule = load('ajv') as typeof import('ajv');
  const addFormats = load('ajv-formats') as (ajv: Ajv) => Ajv;
  const ajv = new ajvModule.Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strictTypes: false,
    validateSchema: false,
    ...extra,
    // Generated code refers to the format functions by module path, not by closure.
    code: { ...extra.code, formats: ajvModule._`require("ajv-formats/dist/formats").fullFormats` },
  });
  addFormats(ajv);
  return ajv;
}

export type SchemaError = ErrorObject;
