import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Examples read their secrets from /run/secrets/... as they would in a container. To validate
 * them here, an example folder is copied to a temp dir, every `${fromFile:/run/secrets/...}` in its YAML
 * files is moved under that dir (so are secret_directories entries), and each secret it names is created there (mode 0600, no
 * trailing newline), with content shaped like the real thing (keys look like AWS keys).
 */
export interface ExampleCopy {
  /** The copied example folder. */
  readonly dir: string;
  /** Secret files created, by their original /run/secrets/... path. */
  readonly secrets: ReadonlyMap<string, string>;
}

const SECRET_REFERENCE = /\$\{fromFile:(\/run\/secrets\/[^}#]+)/g;
/** A YAML list item naming a directory under /run/secrets (`dynamic_services.secret_directories`). */
const SECRET_DIRECTORY = /^(\s*-\s+)(\/run\/secrets(?:\/[^\s#]*)?)\s*$/gm;

export function copyExample(example: string, into: string): ExampleCopy {
  const dir = join(into, 'example');
  cpSync(example, dir, { recursive: true });
  const secretsRoot = join(into, 'secrets-root');
  const secrets = new Map<string, string>();
  for (const file of yamlFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const [, path] of text.matchAll(SECRET_REFERENCE)) {
      if (path === undefined || secrets.has(path)) continue;
      const target = join(secretsRoot, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, secretContent(path), { mode: 0o600 });
      secrets.set(path, target);
    }
    const moved = text
      .replace(SECRET_REFERENCE, (_whole, path: string) => `\${fromFile:${join(secretsRoot, path)}`)
      .replace(
        SECRET_DIRECTORY,
        (_whole, item: string, path: string) => `${item}${join(secretsRoot, path)}`,
      );
    writeFileSync(file, moved);
  }
  return { dir, secrets };
}

/** A value the schema accepts for the secret the file name suggests. */
function secretContent(path: string): string {
  if (/access-key-id$/.test(path)) return 'AKIAIOSFODNN7EXAMPLE';
  if (/secret-access-key$/.test(path)) return 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  return randomBytes(32).toString('hex');
}

export function yamlFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(entry)) found.push(path);
  }
  return found.sort();
}
