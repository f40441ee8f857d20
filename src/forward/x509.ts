import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * The one import of @peculiar/x509, bound to Node's WebCrypto. Every key the forward proxy
 * makes is ECDSA P-256 with SHA-256 signatures: small, fast to sign (a leaf in a few ms), and
 * accepted by every TLS client still in use.
 */
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

export const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export const subtle = webcrypto.subtle;

/** A WebCrypto key (Node has no DOM lib types). */
export type CryptoKey = webcrypto.CryptoKey;

/** A random positive serial number of 16 bytes, hex (RFC 5280 4.1.2.2: at most 20 octets). */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** DER bytes as a PEM block of `label`. */
export function toPem(der: ArrayBuffer, label: string): string {
  return x509.PemConverter.encode(der, label);
}
