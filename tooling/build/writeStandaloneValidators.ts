import { writeFileSync } from 'node:fs';
import standaloneCode from 'ajv/dist/standalone/index.js';
import {
  createAjv,
  readSchema,
  readSchemaText,
  toSchemaDigest,
} from '../../src/config/schema/schemaValidators.js';
import { STANDALONE_VALIDATORS_URL } from '../../src/paths.js';

/**
 * Build step (`npm run build`, after the bundle): writes the three schema validators as a CommonJS
 * module at dist/standaloneValidators.cjs, tagged with the schema's digest so a stale file is
 * never used. A build-time generator: it lives outside src/ and runs with tsx.
 */
const schema = readSchema();
const id = String(schema.$id);
const ajv = createAjv({ code: { source: true } });
ajv.addSchema(schema);
const code = (standaloneCode as unknown as typeof standaloneCode.default)(ajv, {
  config: id,
  service: `${id}#/$defs/service`,
  services: `${id}#/$defs/services`,
});
writeFileSync(
  STANDALONE_VALIDATORS_URL,
  `${code}\nexports.schemaDigest = ${JSON.stringify(toSchemaDigest(readSchemaText()))};\n`,
);
