import type { ErrorObject } from 'ajv';
import { fromJsonPointer, isRecord, joinKeyPath, toKeyPath } from '../keyPath.js';
import { closestName } from './closestName.js';

/** One schema finding as the user reads it: where, and what is wrong. */
export interface SchemaFinding {
  readonly path: string;
  readonly message: string;
}

/**
 * What a value of each `$defs` format must look like. Written out here because ajv's own
 * messages for pattern, format, enum and const quote the schema or the value, and a value may
 * be a secret. No message below ever includes the offending value.
 */
const DEF_MESSAGES: Readonly<Record<string, string>> = {
  roleArn:
    'must be an IAM role ARN such as arn:aws:iam::123456789012:role/Name (any partition, optional path)',
  policyArn: 'must be an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess',
  region: 'must be an AWS region name such as us-east-1, eu-central-2, us-gov-west-1 or cn-north-1',
  roleSessionName: 'must be 2 to 64 characters of letters, digits and +=,.@_-',
  sourceIdentity: 'must be 2 to 64 characters of letters, digits and +=,.@_-',
  externalId: 'must be 2 to 1224 characters of letters, digits and +=,.@:/_-',
  tagKey: 'must be 1 to 128 characters of letters, digits, spaces and _.:/=+-@',
  tagValue: 'must be at most 256 characters of letters, digits, spaces and _.:/=+-@',
  host: 'must be a host name or an IP address such as 127.0.0.1',
  port: 'must be a port number from 0 to 65535 (0 picks a free port)',
  accessKeyId: 'must be an AWS access key ID: 16 to 128 uppercase letters and digits',
  secretAccessKey: 'must be an AWS secret access key: 40 characters of letters, digits, + and /',
  authToken:
    'must be printable ASCII without leading or trailing spaces (HTTP drops surrounding spaces from the Authorization header, so no client could send it)',
  serviceName: 'is not a valid service name: use letters, digits, _ and -',
  routeName: 'is not a valid route name: use letters, digits, _ and -',
  routePath:
    'must be / or a path such as /anthropic or /api/v1 (letters, digits and ._~- between slashes, no trailing slash)',
  headerName: 'must be an HTTP header name such as x-api-key or Authorization',
  headerValue:
    'must be printable ASCII without leading or trailing spaces (no line breaks: it becomes a header value)',
  issuerName: 'is not a valid issuer name: use letters, digits, _ and -',
  jsonPointer:
    'must be a JSON Pointer such as /tenant or /kubernetes.io/namespace (starts with /; ~ only as ~0 or ~1)',
};

/** Keys users carry over from the original's docs, with what to write instead. */
const KEY_HINTS: Readonly<Record<string, string>> = {
  SerialNumber: 'MFA is not supported: a one-time code in a config file cannot refresh a session',
  TokenCode: 'MFA is not supported: a one-time code in a config file cannot refresh a session',
  directory: 'use directories: [{path: ...}]',
  file_pattern: 'use include_patterns in a directories entry',
};

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
};

export const NO_SERVICES_MESSAGE =
  'no services: define at least one under services, or set dynamic_services.enabled: true';

/**
 * Turns ajv errors into one finding per place and problem. `data` is the validated document,
 * used to tell list indices from keys; `prefix` is prepended to every path (dynamic files);
 * `substituted` marks paths whose value came from `${...}`, which always yields text.
 */
export function toSchemaFindings(
  errors: readonly ErrorObject[],
  data: unknown,
  prefix: string,
  substituted: ReadonlySet<string>,
): SchemaFinding[] {
  const findings: SchemaFinding[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const localPath = toKeyPath(fromJsonPointer(error.instancePath, data));
    const finding = describe(error, localPath, substituted.has(joinKeyPath(prefix, localPath)));
    if (finding === undefined) continue;
    const path = joinKeyPath(prefix, finding.path);
    const key = `${path}\n${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push({ path, message: finding.message });
  }
  return findings;
}

function describe(
  error: ErrorObject,
  path: string,
  fromSubstitution: boolean,
): SchemaFinding | undefined {
  const schemaPath = error.schemaPath.slice(error.schemaPath.indexOf('#') + 1);
  if (schemaPath.startsWith('/anyOf')) return describeAnyOf();
  // Errors inside propertyNames repeat the propertyNames error itself.
  if (error.propertyName !== undefined) return undefined;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: joinKeyPath(path, String(params.missingProperty)), message: 'is required' };
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return { path: joinKeyPath(path, key), message: unknownKeyMessage(key, error.parentSchema) };
    }
    case 'propertyNames':
      return {
        path: joinKeyPath(path, String(params.propertyName)),
        message: DEF_MESSAGES[propertyNamesDef(error.parentSchema)] ?? 'is not a valid key',
      };
    case 'type':
      if (fromSubstitution && defName(schemaPath) === 'port') {
        // Digits were already made a number (ports.ts): the reference produced something else.
        return { path, message: `${DEF_MESSAGES.port}; its \${...} reference must produce digits` };
      }
      return { path, message: typeMessage(String(params.type), fromSubstitution) };
  }
  if (error.keyword === 'minLength' && params.limit === 1) {
    // ${fromEnv:X} with X set to '' is the usual way to get here.
    const why = fromSubstitution ? ' (its ${...} reference produced an empty value)' : '';
    return { path, message: `must not be empty${why}` };
  }
  const defMessage = DEF_MESSAGES[defName(schemaPath)];
  if (defMessage !== undefined) return { path, message: defMessage };
  return { path, message: keywordMessage(error.keyword, params, error.parentSchema) };
}

/**
 * The root's anyOf (a service, or dynamic services on), and the `required` errors of its
 * alternatives: one summary says it all. (Which keys a service needs is a config rule,
 * rules/requireWayIn.ts, with messages of its own.)
 */
function describeAnyOf(): SchemaFinding {
  return { path: '', message: NO_SERVICES_MESSAGE };
}

function keywordMessage(
  keyword: string,
  params: Record<string, unknown>,
  parent: ErrorObject['parentSchema'],
): string {
  const limit = Number(params.limit);
  switch (keyword) {
    case 'minimum':
    case 'maximum':
      return rangeMessage(parent);
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long`;
    case 'maxLength':
      return `must be at most ${limit} characters long`;
    case 'minItems':
      return `must list at least ${limit} ${limit === 1 ? 'item' : 'items'}`;
    case 'maxItems':
      return `must list at most ${limit} items`;
    case 'minProperties':
      return `must have at least ${limit} ${limit === 1 ? 'entry' : 'entries'}`;
    case 'uniqueItems':
      return 'must not list the same item twice';
    case 'pattern':
    case 'format':
      return 'has an invalid format';
    default:
      return 'is invalid';
  }
}

function rangeMessage(parent: ErrorObject['parentSchema']): string {
  const min = isRecord(parent) ? parent.minimum : undefined;
  const max = isRecord(parent) ? parent.maximum : undefined;
  if (typeof min === 'number' && typeof max === 'number') return `must be from ${min} to ${max}`;
  if (typeof min === 'number') return `must be at least ${min}`;
  return `must be at most ${String(max)}`;
}

function typeMessage(type: string, fromSubstitution: boolean): string {
  const words = type
    .split(',')
    .map((name) => TYPE_WORDS[name] ?? name)
    .join(' or ');
  const textOnly = fromSubstitution && !type.includes('string');
  // ${fromEnv:PORT} yields the string "8080": say why a number-looking value is refused.
  return textOnly
    ? `must be ${words} (a \${...} reference always yields text)`
    : `must be ${words}`;
}

function unknownKeyMessage(key: string, parent: ErrorObject['parentSchema']): string {
  const hint = KEY_HINTS[key];
  if (hint !== undefined) return `is not a known key: ${hint}`;
  const allowed =
    isRecord(parent) && isRecord(parent.properties) ? Object.keys(parent.properties) : [];
  const match = closestName(key, allowed);
  if (match !== undefined) return `is not a known key: did you mean ${match}?`;
  const extensions = isRecord(parent) && isRecord(parent.patternProperties) ? ['x-*'] : [];
  const list = [...allowed, ...extensions].join(', ');
  return list === '' ? 'is not a known key' : `is not a known key (expected one of: ${list})`;
}

/** The `$defs` entry a map's keys must match (`serviceName`, `tagKey`, `jsonPointer`, ...). */
function propertyNamesDef(parent: ErrorObject['parentSchema']): string {
  const names = isRecord(parent) ? parent.propertyNames : undefined;
  const ref = isRecord(names) && typeof names.$ref === 'string' ? names.$ref : '';
  return defName(ref.slice(ref.indexOf('#') + 1));
}

/** `/$defs/roleArn/pattern` → `roleArn`. */
function defName(schemaPath: string): string {
  const match = /^\/\$defs\/([^/]+)/.exec(schemaPath);
  return match?.[1] ?? '';
}
