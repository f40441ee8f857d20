import { writeFileSync } from 'node:fs';
import standaloneCode from 'ajv/dist/standalone/index.js';
import {
  createAjv,
  readSchema,
  readSchemaText,
  STANDALONE_FILE,
  toSchemaDigest,
} from './schemaValidators.js';

/**
 * Build step (`npm run build`): writes the three schema validators as a CommonJS module next
 * to dist/config/schemaValidators.js, tagged with the schema's digest so a stale file is never
 * used. Run from dist/: `node dist/config/writeStandaloneValidators.js`.
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
const target = new URL(`./${STANDALONE_FILE}`, import.meta.url);
writeFileSync(
  target,
  `${code}\nexports.schemaDigest = ${JSON.stringify(toSchemaDigest(readSchemaText()))};\n`,
);
