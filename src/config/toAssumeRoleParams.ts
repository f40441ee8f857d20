import type { IssueCollector } from './issues.js';
import { joinKeyPath } from './keyPath.js';
import type { AssumeRoleParams } from './types.js';

/** STS limit on the plaintext inline session policy (AssumeRole API reference, `Policy`). */
export const MAX_POLICY_CHARS = 2048;

/**
 * Builds the AssumeRole parameters from a schema-valid `assumed_role` block (defaults already
 * applied) and checks what the schema cannot: the policy parses as JSON and fits once
 * minified, and tag keys are unique (STS compares them case-insensitively).
 */
export function toAssumeRoleParams(
  raw: Readonly<Record<string, unknown>>,
  path: string,
  issues: IssueCollector,
): AssumeRoleParams {
  const policy =
    typeof raw.Policy === 'string' ? minifyPolicy(raw.Policy, path, issues) : undefined;
  const tags = Array.isArray(raw.Tags) ? raw.Tags.map(toTag) : undefined;
  if (tags !== undefined) checkUniqueTagKeys(tags, joinKeyPath(path, 'Tags'), issues);
  const policyArns = Array.isArray(raw.PolicyArns)
    ? raw.PolicyArns.map((entry: { arn: string }) => entry.arn)
    : undefined;
  return {
    roleArn: String(raw.RoleArn),
    roleSessionName: String(raw.RoleSessionName),
    durationSeconds: Number(raw.DurationSeconds),
    ...optional('externalId', raw.ExternalId as string | undefined),
    ...optional('policy', policy),
    ...optional('policyArns', policyArns),
    ...optional('tags', tags),
    ...optional('transitiveTagKeys', raw.TransitiveTagKeys as string[] | undefined),
    ...optional('sourceIdentity', raw.SourceIdentity as string | undefined),
  };
}

function minifyPolicy(text: string, path: string, issues: IssueCollector): string | undefined {
  const at = joinKeyPath(path, 'Policy');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    issues.error(at, 'must be a JSON policy document (it does not parse as JSON)');
    return undefined;
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    issues.error(at, 'must be a JSON policy document: an object with Version and Statement');
    return undefined;
  }
  const minified = JSON.stringify(document);
  if (minified.length > MAX_POLICY_CHARS) {
    issues.error(
      at,
      `is ${minified.length} characters once minified; STS accepts at most ${MAX_POLICY_CHARS}`,
    );
  }
  return minified;
}

function toTag(entry: { Key: string; Value: string }): { key: string; value: string } {
  return { key: entry.Key, value: entry.Value };
}

function checkUniqueTagKeys(
  tags: readonly { key: string }[],
  path: string,
  issues: IssueCollector,
): void {
  const firstIndex = new Map<string, number>();
  tags.forEach((tag, index) => {
    const folded = tag.key.toLowerCase();
    const first = firstIndex.get(folded);
    if (first === undefined) {
      firstIndex.set(folded, index);
    } else {
      issues.error(
        `${path}[${index}].Key`,
        `repeats the key of ${path}[${first}].Key (session tag keys are case-insensitive)`,
      );
    }
  });
}

/** `{ name: value }` when value is defined, `{}` otherwise: absent stays absent, not undefined. */
function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [name]: value } as { [P in K]?: V });
}
