import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CredproxyError } from '../errors.js';
import { createCaCertificate } from './createCaCertificate.js';
import { type CryptoKey, EC_ALGORITHM, subtle, x509 } from './x509.js';

/** The forward proxy's CA, ready to sign leaves. The key never leaves this object. */
export interface CertificateAuthority {
  readonly certPem: string;
  readonly cert: x509.X509Certificate;
  readonly key: CryptoKey;
}

export interface CaPaths {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The subject of a CA credproxy makes. */
export const CA_COMMON_NAME = 'credproxy forward proxy CA';

/**
 * Reads the CA from its two files, or (with `create`) makes it when neither exists: the key is
 * written with mode 0600 and never replaced. Refuses (CA_KEY_EXPOSED) a key file readable by
 * group or others, and (CA_UNUSABLE) one file without the other, a certificate that is not a
 * CA, or a key that is not the certificate's. Messages name paths, never contents.
 */
export async function readCertificateAuthority(
  paths: CaPaths,
  options: { readonly create: boolean; readonly now: () => number },
): Promise<{ readonly ca: CertificateAuthority; readonly created: boolean }> {
  const [keyMode, certMode] = await Promise.all([modeOf(paths.keyFile), modeOf(paths.certFile)]);
  if (keyMode === undefined && certMode === undefined) {
    if (!options.create) {
      throw unusable(`${paths.certFile} does not exist (create it with credproxy ca init)`);
    }
    await writeCa(paths, options.now());
    return { ca: await readCa(paths), created: true };
  }
  if (keyMode === undefined || certMode === undefined) {
    const missing = keyMode === undefined ? paths.keyFile : paths.certFile;
    throw unusable(
      `${missing} does not exist while its pair does: restore it, or remove both to make a new CA`,
    );
  }
  if ((keyMode & 0o077) !== 0) {
    throw new CredproxyError(
      'CA_KEY_EXPOSED',
      `${paths.keyFile} is readable by group or others (mode ${(keyMode & 0o777).toString(8)}): chmod 600 it`,
    );
  }
  return { ca: await readCa(paths), created: false };
}

async function writeCa(paths: CaPaths, nowMs: number): Promise<void> {
  const files = await createCaCertificate(new Date(nowMs), CA_COMMON_NAME);
  try {
    await mkdir(dirname(paths.keyFile), { recursive: true, mode: 0o700 });
    await mkdir(dirname(paths.certFile), { recursive: true });
    // `wx`: never overwrite a key another start wrote meanwhile.
    await writeFile(paths.keyFile, files.keyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(paths.certFile, files.certPem, { mode: 0o644, flag: 'wx' });
  } catch (error) {
    throw unusable(`cannot write the CA files (${codeOf(error)})`, error);
  }
}

async function readCa(paths: CaPaths): Promise<CertificateAuthority> {
  let certPem: string;
  let keyPem: string;
  try {
    [certPem, keyPem] = await Promise.all([
      readFile(paths.certFile, 'utf8'),
      readFile(paths.keyFile, 'utf8'),
    ]);
  } catch (error) {
    throw unusable(`cannot read the CA files (${codeOf(error)})`, error);
  }
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (error) {
    throw unusable(`${paths.certFile} holds no PEM certificate`, error);
  }
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  if (constraints?.ca !== true) throw unusable(`${paths.certFile} is not a CA certificate`);
  let key: CryptoKey;
  try {
    const spki = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    if (!spki.equals(Buffer.from(cert.publicKey.rawData))) {
      throw unusable(`${paths.keyFile} is not the key of ${paths.certFile}`);
    }
    const der = x509.PemConverter.decodeFirst(keyPem);
    key = await subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']);
  } catch (error) {
    if (error instanceof CredproxyError) throw error;
    throw unusable(`${paths.keyFile} holds no ECDSA P-256 private key in PKCS #8 PEM`, error);
  }
  return { certPem: cert.toString('pem'), cert, key };
}

async function modeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode;
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw unusable(`cannot read ${path} (${codeOf(error)})`, error);
  }
}

function unusable(message: string, cause?: unknown): CredproxyError {
  return new CredproxyError('CA_UNUSABLE', message, cause === undefined ? {} : { cause });
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : 'error';
}
