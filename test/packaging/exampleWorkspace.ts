import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Examples read their secrets from /run/secrets/... in a container, and from
 * CREDPROXY_SECRETS_DIR when it is set (`${fromFile:${fromEnv:CREDPROXY_SECRETS_DIR:-/run/secrets}/name}`).
 * To load them here, an example folder is copied to a temp dir and each secret its YAML files
 * name is created under a secrets directory there (mode 0600, no trailing newline), with
 * content shaped like the real thing (keys look like AWS keys).
 */
export interface ExampleCopy {
  /** The copied example folder. */
  readonly dir: string;
  /** What the example needs in its environment: CREDPROXY_SECRETS_DIR. */
  readonly env: Readonly<Record<string, string>>;
  /** Secret files created, by their name under the secrets directory. */
  readonly secrets: ReadonlyMap<string, string>;
}

/** A secret reference of the examples' one form; group 1 is the name under the directory. */
export const SECRET_REFERENCE =
  /\$\{fromFile:\$\{fromEnv:CREDPROXY_SECRETS_DIR:-\/run\/secrets(?:\/credproxy)?\}\/([^}#]+)\}/g;

export function copyExample(example: string, into: string): ExampleCopy {
  const dir = join(into, 'example');
  cpSync(example, dir, { recursive: true });
  const secretsDir = join(into, 'secrets');
  mkdirSync(secretsDir, { recursive: true });
  const secrets = new Map<string, string>();
  for (const file of yamlFiles(dir)) {
    for (const [, name] of readFileSync(file, 'utf8').matchAll(SECRET_REFERENCE)) {
      if (name === undefined || secrets.has(name)) continue;
      const target = join(secretsDir, name);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, secretContent(name), { mode: 0o600 });
      secrets.set(name, target);
    }
  }
  return { dir, env: { CREDPROXY_SECRETS_DIR: secretsDir }, secrets };
}

/** A value the schema accepts for the secret the file name suggests. */
function secretContent(name: string): string {
  if (/access-key-id$/.test(name)) return 'AKIAIOSFODNN7EXAMPLE';
  if (/secret-access-key$/.test(name)) return 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
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
