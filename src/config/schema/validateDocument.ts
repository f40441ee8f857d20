import type { ValidateFunction } from 'ajv';
import type { IssueCollector } from '../issues.js';
import { toSchemaFindings } from './schemaMessages.js';

/**
 * Validates `document` in place (ajv fills in schema defaults, so pass a copy: substitution
 * makes one), reports each finding to `issues` under `prefix`, and returns a test telling
 * whether a key path is at or above a finding, so later rules can skip broken parts.
 */
export function validateDocument(
  validate: ValidateFunction,
  document: unknown,
  prefix: string,
  substituted: ReadonlySet<string>,
  issues: IssueCollector,
): (path: string) => boolean {
  if (validate(document)) return () => false;
  const invalid = new Set<string>();
  for (const finding of toSchemaFindings(validate.errors ?? [], document, prefix, substituted)) {
    issues.error(finding.path, finding.message);
    for (const ancestor of ancestorsOf(finding.path)) invalid.add(ancestor);
  }
  return (path) => invalid.has(path);
}

/** `a.b[2].c` → `a`, `a.b`, `a.b[2]`, `a.b[2].c`; the empty path (whole file) → ``. */
function ancestorsOf(path: string): string[] {
  const ancestors: string[] = [''];
  for (let i = 1; i <= path.length; i++) {
    if (i === path.length || path[i] === '.' || path[i] === '[') ancestors.push(path.slice(0, i));
  }
  return ancestors;
}
