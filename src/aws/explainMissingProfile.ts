import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SourceCredentials } from '../config/types.js';

/** The environment as the AWS SDK sees it: AWS_PROFILE, AWS_CONFIG_FILE, HOME, ... */
export type SdkEnv = Readonly<Record<string, string | undefined>>;

/** Reads a file's text; throws (ENOENT, EACCES) as fs does. Injected by tests. */
export type ReadText = (path: string) => string;

/**
 * Why a profile gave no credentials, when the reason is that it does not exist: the SDK's
 * default chain only says "Could not load credentials from any providers", and `fromIni` names
 * the profile but not the files. The files are the ones the SDK reads: `iam_profile.config_file`,
 * else AWS_CONFIG_FILE, else ~/.aws/config; AWS_SHARED_CREDENTIALS_FILE, else
 * ~/.aws/credentials. Names profiles and paths only: nothing from a file's content.
 * Undefined when no profile is involved or the profile exists (its own error then stands).
 */
export function explainMissingProfile(
  source: SourceCredentials,
  env: SdkEnv,
  readText: ReadText = (path) => readFileSync(path, 'utf8'),
): string | undefined {
  const wanted = profileOf(source, env);
  if (wanted === undefined) return undefined;
  const home = nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE) ?? homedir();
  const files: SharedFile[] = [
    source.kind === 'profile' && source.configFile !== undefined
      ? { path: source.configFile, via: 'iam_profile.config_file', kind: 'config' }
      : sharedFile(env.AWS_CONFIG_FILE, 'AWS_CONFIG_FILE', join(home, '.aws', 'config'), 'config'),
    sharedFile(
      env.AWS_SHARED_CREDENTIALS_FILE,
      'AWS_SHARED_CREDENTIALS_FILE',
      join(home, '.aws', 'credentials'),
      'credentials',
    ),
  ];
  const described: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readText(file.path);
    } catch (error) {
      described.push(
        `${file.path} (${file.via === undefined ? '' : `${file.via}, `}${readFailure(error)})`,
      );
      continue;
    }
    if (profileNames(text, file.kind).has(wanted.name)) return undefined;
    described.push(file.via === undefined ? file.path : `${file.path} (${file.via})`);
  }
  return (
    `no source credentials: profile ${wanted.name} (${wanted.via}) was not found in ` +
    `${described.join(' or ')}; add it there, or ${wanted.fix}`
  );
}

interface SharedFile {
  readonly path: string;
  /** The setting that chose this path; undefined for the SDK's default under HOME. */
  readonly via?: string;
  readonly kind: 'config' | 'credentials';
}

function sharedFile(
  fromEnv: string | undefined,
  variable: string,
  fallback: string,
  kind: SharedFile['kind'],
): SharedFile {
  const path = nonEmpty(fromEnv);
  return path === undefined ? { path: fallback, kind } : { path, via: variable, kind };
}

function profileOf(
  source: SourceCredentials,
  env: SdkEnv,
): { name: string; via: string; fix: string } | undefined {
  if (source.kind === 'profile') {
    return {
      name: source.profileName,
      via: 'iam_profile.profile_name',
      fix: 'name another profile',
    };
  }
  const name = source.kind === 'default' ? nonEmpty(env.AWS_PROFILE) : undefined;
  return name === undefined
    ? undefined
    : { name, via: 'AWS_PROFILE', fix: "unset AWS_PROFILE in credproxy's environment" };
}

/**
 * Section names as the SDK reads them: `[profile name]` and `[default]` in the config file,
 * `[name]` in the credentials file. Other config sections (`[sso-session x]`) are not profiles.
 */
export function profileNames(text: string, kind: 'config' | 'credentials'): Set<string> {
  const names = new Set<string>();
  for (const [, raw] of text.matchAll(/^[ \t]*\[([^\]\r\n]+)\][ \t]*(?:[#;].*)?$/gm)) {
    const section = (raw ?? '').trim();
    if (kind === 'credentials') {
      names.add(section);
      continue;
    }
    const match = /^profile\s+(.+)$/.exec(section);
    if (match?.[1] !== undefined) names.add(match[1].trim());
    else if (section === 'default') names.add('default');
  }
  return names;
}

function readFailure(error: unknown): string {
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : '';
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'not readable by credproxy';
  return typeof code === 'string' && code !== '' ? `cannot be read: ${code}` : 'cannot be read';
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
