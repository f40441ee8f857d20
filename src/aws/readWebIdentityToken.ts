import { readFile } from 'node:fs/promises';
import { CredentialsUnavailableError } from '../errors.js';

/**
 * Reads a web-identity token file afresh for one AssumeRoleWithWebIdentity call: a projected
 * service-account token is rewritten by the kubelet long before it expires, so a copy kept
 * between calls would go stale. A trailing CR/LF is dropped (`echo token > file`); the SDKs
 * send the file as is, which STS would refuse. Failures name the path and the errno, never a
 * byte of the content, and are transient: the file is expected to appear or be rewritten.
 */
export async function readWebIdentityToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const errno = errnoOf(error);
    throw new CredentialsUnavailableError(
      'WEB_IDENTITY_TOKEN_UNREADABLE',
      `the web identity token file ${path} cannot be read${errno === undefined ? '' : ` (${errno})`}`,
      true,
    );
  }
  const token = text.replace(/[\r\n]+$/, '');
  if (token.trim() === '') {
    throw new CredentialsUnavailableError(
      'WEB_IDENTITY_TOKEN_UNREADABLE',
      `the web identity token file ${path} is empty`,
      true,
    );
  }
  return token;
}

function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}
