import { fileError } from './issues.js';
import { isRecord } from './keyPath.js';
import { parseYamlText } from './parseYamlText.js';

/** What the file should hold, for the empty and wrong-shape messages. */
export type DocumentKind = 'config' | 'service';

const EXPECTED: Readonly<Record<DocumentKind, string>> = {
  config: 'a mapping of settings (services, aws_defaults, server, ...)',
  service: 'a mapping: one service (auth_token, assumed_role, ...) or services: {name: ...}',
};

/**
 * Parses a file's text into its top-level mapping, or throws a ConfigError whose code says
 * what is wrong with the file as a whole: CONFIG_PARSE (with line and column), CONFIG_EMPTY
 * (nothing but comments counts as empty), CONFIG_NOT_MAPPING (a list or a scalar).
 */
export function parseDocumentText(
  text: string,
  file: string,
  kind: DocumentKind,
): Record<string, unknown> {
  const parsed = parseYamlText(text);
  if (!parsed.ok) {
    throw fileError(
      'CONFIG_PARSE',
      file,
      `invalid YAML at line ${parsed.line}, column ${parsed.column}: ${parsed.reason}`,
    );
  }
  const { value } = parsed;
  if (value === null || value === undefined) {
    throw fileError('CONFIG_EMPTY', file, `the file is empty; expected ${EXPECTED[kind]}`);
  }
  if (!isRecord(value)) {
    const shape = Array.isArray(value) ? 'a list' : 'a single value';
    throw fileError(
      'CONFIG_NOT_MAPPING',
      file,
      `the file holds ${shape}; expected ${EXPECTED[kind]}`,
    );
  }
  return value;
}
