import { readSchemaText } from '../config/schema/schemaValidators.js';
import { EXIT_OK } from './exitCodes.js';

/** `credproxy schema`: the JSON Schema as shipped, for IDEs (yaml-language-server) and CI. */
export function runSchema(stdout: (text: string) => void): number {
  const text = readSchemaText();
  stdout(text.endsWith('\n') ? text : `${text}\n`);
  return EXIT_OK;
}
