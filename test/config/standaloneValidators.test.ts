import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  compileValidators,
  readSchema,
  readSchemaText,
  toSchemaDigest,
} from '../../src/config/schema/schemaValidators.js';

const generatedPath = new URL('../../dist/standaloneValidators.cjs', import.meta.url);

/** Inputs that exercise defaults, formats, patterns, ranges and unknown keys. */
const documents: unknown[] = [
  {
    services: {
      app: { auth_token: 't', assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/A' } },
    },
  },
  { server: { host: 'not a host!!', port: 70000 }, services: {} },
  { services: { 'bad name': {} } },
  {
    services: {
      app: { auth_token: '', assumed_role: { RoleArn: 'x', DurationSeconds: 10, Surprise: 1 } },
    },
  },
  { metrics: { prometheus: { enabled: 'yes' } }, dynamic_services: { enabled: true } },
  [],
];

describe('the validators generated at build time', () => {
  it('exist in dist/ and were generated from the current schema', () => {
    expect(existsSync(generatedPath)).toBe(true);

    const generated = createRequire(import.meta.url)(generatedPath.pathname) as {
      schemaDigest: string;
    };

    expect(generated.schemaDigest).toBe(toSchemaDigest(readSchemaText()));
  });

  it.each(documents.map((d, i) => [i, d]))(
    'accept and reject document %i exactly as the run-time compiled ones, defaults included',
    (_i, document) => {
      const generated = createRequire(import.meta.url)(generatedPath.pathname) as Record<
        string,
        (data: unknown) => boolean
      > &
        Record<string, { errors?: unknown }>;
      const compiled = compileValidators(readSchema(), {});
      const a = structuredClone(document);
      const b = structuredClone(document);

      const okGenerated = generated.config?.(a);
      const okCompiled = compiled.config(b);
      const strip = (errors: unknown) =>
        (errors as Array<Record<string, unknown>> | null | undefined)?.map(
          ({ instancePath, keyword, params }) => ({ instancePath, keyword, params }),
        ) ?? null;

      expect(okGenerated).toBe(okCompiled);
      expect(strip((generated.config as unknown as { errors?: unknown }).errors)).toEqual(
        strip(compiled.config.errors),
      );
      expect(a).toEqual(b);
    },
  );
});
