import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseTtl, toClaims } from '../../src/cli/jwtCommand.js';
import { runCli } from '../../src/cli/program.js';
import { useTempDir } from '../config/tempDir.js';

async function cli(argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const outcome = await runCli({
    argv,
    env: {},
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
  });
  return { code: outcome.kind === 'exit' ? outcome.code : -1, ...out };
}

describe('credproxy jwt keygen and mint', () => {
  const dir = useTempDir();

  it('keygen writes a 0600 ES256 private key and a public JWKS, printing paths and never the key', async () => {
    const out = join(dir.path(), 'keys');

    const result = await cli(['jwt', 'keygen', '--out', out]);

    const key = readFileSync(join(out, 'jwt-signing-key.pem'), 'utf8');
    const jwks = JSON.parse(readFileSync(join(out, 'jwks.json'), 'utf8')) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(result.code).toBe(0);
    expect(statSync(join(out, 'jwt-signing-key.pem')).mode & 0o777).toBe(0o600);
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(result.stdout).toContain(join(out, 'jwt-signing-key.pem'));
    expect(result.stdout).toContain(join(out, 'jwks.json'));
    expect(result.stdout).not.toContain(key.split('\n')[1]);
  });

  it('keygen refuses to overwrite an existing key (exit 2)', async () => {
    const out = join(dir.path(), 'keys');
    await cli(['jwt', 'keygen', '--out', out]);
    const before = readFileSync(join(out, 'jwt-signing-key.pem'), 'utf8');

    const again = await cli(['jwt', 'keygen', '--out', out]);

    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(join(out, 'jwt-signing-key.pem'), 'utf8')).toBe(before);
  });

  it('mint prints one compact JWT, no newline, that verifies against the keygen JWKS with the thumbprint kid', async () => {
    const out = join(dir.path(), 'keys');
    await cli(['jwt', 'keygen', '--out', out]);
    const jwks = JSON.parse(readFileSync(join(out, 'jwks.json'), 'utf8'));

    const result = await cli([
      'jwt',
      'mint',
      '--key',
      join(out, 'jwt-signing-key.pem'),
      '--issuer',
      'https://sandbox-manager.internal',
      '--audience',
      'credproxy',
      '--claim',
      'svc=agent',
      '--claim',
      'tenant=acme',
      '--claim',
      'kubernetes.io:={"namespace":"shop"}',
      '--subject',
      'sandbox-7',
      '--ttl',
      '15m',
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const { payload } = await jwtVerify(result.stdout, createLocalJWKSet(jwks), {
      issuer: 'https://sandbox-manager.internal',
      audience: 'credproxy',
    });
    expect(decodeProtectedHeader(result.stdout)).toEqual({
      alg: 'ES256',
      kid: jwks.keys[0].kid,
      typ: 'JWT',
    });
    expect(payload).toMatchObject({
      svc: 'agent',
      tenant: 'acme',
      'kubernetes.io': { namespace: 'shop' },
      sub: 'sandbox-7',
    });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(900);
  });

  it('mint says a key file is not a private key without printing its content (exit 1)', async () => {
    const file = dir.write('not-a-key.pem', 'TOP-SECRET-CONTENT');

    const result = await cli(['jwt', 'mint', '--key', file, '--issuer', 'i', '--audience', 'a']);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: ${file} is not a readable PEM private key\n`);
  });

  it.each([
    ['900', 900],
    ['900s', 900],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86_400],
  ])('reads --ttl %s as %i seconds', (raw, seconds) => {
    expect(parseTtl(raw)).toBe(seconds);
  });

  it.each(['0', '15 minutes', '-5m', 'm'])('refuses --ttl %s', (raw) => {
    expect(() => parseTtl(raw)).toThrow('--ttl must be a duration');
  });

  it('reads key=value as a string and key:=JSON as JSON, and refuses anything else', () => {
    expect(toClaims(['a=1', 'b:=1', 'c=x=y', 'd:={"e":[true]}'])).toEqual({
      a: '1',
      b: 1,
      c: 'x=y',
      d: { e: [true] },
    });
    expect(() => toClaims(['novalue'])).toThrow('--claim must be key=value or key:=JSON');
    expect(() => toClaims(['a:={'])).toThrow('--claim a:= must be followed by valid JSON');
  });
});
