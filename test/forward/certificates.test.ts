import { X509Certificate } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeafCache } from '../../src/forward/createLeafCache.js';
import { createLeafSigner, issueLeafCertificate } from '../../src/forward/issueLeafCertificate.js';
import { readCertificateAuthority } from '../../src/forward/readCertificateAuthority.js';
import { tempDir } from './forwardSetup.js';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 0, 15);

describe('the forward proxy CA', () => {
  const dirs: Array<{ remove(): void }> = [];
  const paths = () => {
    const dir = tempDir('credproxy-ca-test-');
    dirs.push(dir);
    return {
      certFile: join(dir.path, 'ca', 'ca.pem'),
      keyFile: join(dir.path, 'ca', 'ca-key.pem'),
    };
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) dir.remove();
  });

  it('is created when absent, its key with mode 0600, and read back unchanged later', async () => {
    const files = paths();

    const first = await readCertificateAuthority(files, { create: true, now: () => NOW });
    const second = await readCertificateAuthority(files, { create: true, now: () => NOW });

    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(statSync(files.keyFile).mode & 0o777).toBe(0o600);
    expect(second.ca.certPem).toBe(first.ca.certPem);
    const cert = new X509Certificate(readFileSync(files.certFile));
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=credproxy forward proxy CA');
  });

  it('refuses a key readable by group or others, naming the file but not its content', async () => {
    const files = paths();
    await readCertificateAuthority(files, { create: true, now: () => NOW });
    chmodSync(files.keyFile, 0o640);
    const key = readFileSync(files.keyFile, 'utf8');

    const failure = readCertificateAuthority(files, { create: true, now: () => NOW });

    await expect(failure).rejects.toMatchObject({ code: 'CA_KEY_EXPOSED' });
    await expect(failure).rejects.toThrow(files.keyFile);
    await failure.catch((error: Error) => expect(error.message).not.toContain(key.slice(40, 80)));
  });

  it('refuses a missing CA when not asked to create one (credproxy ca export)', async () => {
    await expect(
      readCertificateAuthority(paths(), { create: false, now: () => NOW }),
    ).rejects.toMatchObject({ code: 'CA_UNUSABLE' });
  });
});

describe('leaf certificates', () => {
  const dir = tempDir('credproxy-leaf-test-');
  const files = { certFile: join(dir.path, 'ca.pem'), keyFile: join(dir.path, 'ca-key.pem') };

  it('name exactly the host, are ECDSA P-256, serverAuth, valid at most 398 days, signed by the CA', async () => {
    const { ca } = await readCertificateAuthority(files, { create: true, now: () => NOW });

    const leaf = await issueLeafCertificate(await createLeafSigner(ca), 'api.github.com', NOW);

    const cert = new X509Certificate(leaf.certChainPem);
    expect(cert.subjectAltName).toBe('DNS:api.github.com');
    expect(cert.ca).toBe(false);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY_MS;
    expect(days).toBeLessThanOrEqual(398);
    expect(days).toBeGreaterThan(390);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });

  it('are issued once per host and reused; the cache is bounded', async () => {
    const { ca } = await readCertificateAuthority(files, { create: true, now: () => NOW });
    const sizes: number[] = [];
    const cache = createLeafCache({
      ca,
      now: () => NOW,
      minVersion: 'TLSv1.2',
      maxEntries: 2,
      onSize: (size) => sizes.push(size),
    });

    const [a1, a2] = await Promise.all([cache.contextFor('a.test'), cache.contextFor('a.test')]);
    await cache.contextFor('b.test');
    await cache.contextFor('c.test');
    const a3 = await cache.contextFor('a.test');

    expect(a1).toBe(a2);
    expect(a3).not.toBe(a1);
    expect(cache.size()).toBe(2);
    dir.remove();
  });
});
