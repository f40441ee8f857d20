import type { CredentialSession } from './ports.js';

/**
 * The canonical key of a session: tags sorted by key (STS treats keys case-insensitively, so
 * they are compared folded), transitive keys sorted, then the source identity. Two sessions
 * with equal keys give equal AssumeRole parameters, whatever order their claims came in.
 */
export function toSessionKey(session: Omit<CredentialSession, 'key'>): string {
  const tags = [...session.tags]
    .map((tag) => [tag.key.toLowerCase(), tag.key, tag.value] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, key, value]) => [key, value]);
  const transitive = session.transitiveTagKeys.map((key) => key.toLowerCase()).sort();
  return JSON.stringify([tags, transitive, session.sourceIdentity ?? null]);
}
