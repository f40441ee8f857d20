import { EC_ALGORITHM, randomSerial, subtle, toPem, x509 } from './x509.js';

/** The CA lives long: workloads trust it once. Ten years, as mitmproxy's and most dev CAs. */
export const CA_VALIDITY_DAYS = 3650;
const DAY_MS = 86_400_000;

/** A new CA as PEM: the certificate and its PKCS #8 key. */
export interface CaFiles {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * Makes the forward proxy's CA: ECDSA P-256, self-signed, CA:TRUE with a path length of 0 (it
 * signs leaves, never another CA), key usage limited to signing certificates and CRLs.
 */
export async function createCaCertificate(now: Date, commonName: string): Promise<CaFiles> {
  const keys = await subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [commonName] }],
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: EC_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const key = await subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: toPem(key, 'PRIVATE KEY') };
}
