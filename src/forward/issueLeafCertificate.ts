import { isIP } from 'node:net';
import type { CertificateAuthority } from './readCertificateAuthority.js';
import { type CryptoKey, EC_ALGORITHM, randomSerial, subtle, toPem, x509 } from './x509.js';

/**
 * A leaf is valid this long from its start: under the CA/Browser Forum's 398-day ceiling, which
 * Apple and Chrome enforce even for private CAs' certificates in some stores.
 */
export const LEAF_VALIDITY_DAYS = 397;
/** Backdated by an hour, for clients whose clock runs a little behind. */
const BACKDATE_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface LeafCertificate {
  /** The leaf, then the CA: the chain the TLS server sends. */
  readonly certChainPem: string;
  readonly keyPem: string;
  readonly notAfterMs: number;
}

/** What every leaf of one CA shares: its key pair and the CA's key identifier. */
export interface LeafSigner {
  readonly ca: CertificateAuthority;
  readonly keys: { readonly publicKey: CryptoKey; readonly privateKey: CryptoKey };
  readonly keyPem: string;
  readonly authorityKeyId: x509.Extension;
}

/**
 * One key pair for every leaf, as mitmproxy does: a new host then costs one signature, not a
 * key generation. The leaf key is no more exposed than the CA key beside it in this process.
 */
export async function createLeafSigner(ca: CertificateAuthority): Promise<LeafSigner> {
  const keys = await subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
  const key = await subtle.exportKey('pkcs8', keys.privateKey);
  return {
    ca,
    keys,
    keyPem: toPem(key, 'PRIVATE KEY'),
    authorityKeyId: await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  };
}

/**
 * A server certificate for exactly `host` (a DNS name, or an IP address), signed by the CA:
 * ECDSA P-256, serverAuth only, not a CA.
 */
export async function issueLeafCertificate(
  signer: LeafSigner,
  host: string,
  nowMs: number,
): Promise<LeafCertificate> {
  const { ca, keys } = signer;
  const notBefore = nowMs - BACKDATE_MS;
  const notAfterMs = notBefore + LEAF_VALIDITY_DAYS * DAY_MS;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [host] }],
    issuer: ca.cert.subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfterMs),
    signingAlgorithm: EC_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: isIP(host) === 0 ? 'dns' : 'ip', value: host },
      ]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      signer.authorityKeyId,
    ],
  });
  return {
    certChainPem: `${cert.toString('pem')}\n${ca.certPem}`,
    keyPem: signer.keyPem,
    notAfterMs,
  };
}
