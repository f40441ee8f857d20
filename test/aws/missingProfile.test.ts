import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRoleAssumer } from '../../src/aws/createRoleAssumer.js';
import { explainMissingProfile, profileNames } from '../../src/aws/explainMissingProfile.js';
import type { SourceCredentials } from '../../src/config/types.js';
import { useTempDir } from '../config/tempDir.js';
import { makeService } from '../helpers/configs.js';

const KEY_ID = 'AKIAPROFILESECRET0001';
const SECRET_KEY = 'ProfileSecretKey0123456789abcdefghijklmn';
const CONFIG =
  '[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n[sso-session corp]\n';
const CREDENTIALS = `[ci]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET_KEY}\n`;

const DEFAULT_SOURCE: SourceCredentials = { kind: 'default', region: 'us-east-1' };
const profileSource = (profileName: string, configFile?: string): SourceCredentials => ({
  kind: 'profile',
  region: 'us-east-1',
  profileName,
  ...(configFile === undefined ? {} : { configFile }),
});

describe('profileNames', () => {
  it('reads [profile x] and [default] from a config file, every section from credentials', () => {
    expect([...profileNames(CONFIG, 'config')]).toEqual(['default', 'dev']);
    expect([...profileNames(`${CREDENTIALS}[ prod ] ; note\n`, 'credentials')]).toEqual([
      'ci',
      'prod',
    ]);
  });
});

describe('explainMissingProfile', () => {
  const temp = useTempDir();

  it('names the profile from AWS_PROFILE and both default files under HOME', () => {
    const home = temp.path();
    temp.write('.aws/config', CONFIG);

    const message = explainMissingProfile(DEFAULT_SOURCE, {
      HOME: home,
      AWS_PROFILE: 'nonexistent',
    });

    expect(message).toBe(
      `no source credentials: profile nonexistent (AWS_PROFILE) was not found in ${join(home, '.aws/config')} or ${join(home, '.aws/credentials')} (no such file); add it there, or unset AWS_PROFILE in credproxy's environment`,
    );
  });

  it('names the files AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE chose', () => {
    const config = temp.write('cfg', CONFIG);
    const credentials = temp.write('creds', CREDENTIALS);

    const message = explainMissingProfile(DEFAULT_SOURCE, {
      HOME: temp.path(),
      AWS_PROFILE: 'prod',
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
    });

    expect(message).toBe(
      `no source credentials: profile prod (AWS_PROFILE) was not found in ${config} (AWS_CONFIG_FILE) or ${credentials} (AWS_SHARED_CREDENTIALS_FILE); add it there, or unset AWS_PROFILE in credproxy's environment`,
    );
    expect(message).not.toContain(KEY_ID);
  });

  it('names iam_profile.config_file for an iam_profile source', () => {
    const config = temp.write('team.cfg', CONFIG);

    const message = explainMissingProfile(profileSource('reports', config), { HOME: temp.path() });

    expect(message).toBe(
      `no source credentials: profile reports (iam_profile.profile_name) was not found in ${config} (iam_profile.config_file) or ${join(temp.path(), '.aws/credentials')} (no such file); add it there, or name another profile`,
    );
  });

  it.each([
    ['a profile of the config file', 'dev'],
    ['the default section', 'default'],
    ['a profile of the credentials file', 'ci'],
  ])('explains nothing when the profile exists: %s', (_case, name) => {
    temp.write('.aws/config', CONFIG);
    temp.write('.aws/credentials', CREDENTIALS);

    expect(explainMissingProfile(profileSource(name), { HOME: temp.path() })).toBeUndefined();
  });

  it('explains nothing for the default chain without AWS_PROFILE', () => {
    expect(explainMissingProfile(DEFAULT_SOURCE, { HOME: temp.path() })).toBeUndefined();
  });
});

describe('createRoleAssumer with a profile that does not exist (the real SDK providers)', () => {
  const temp = useTempDir();
  let assumer: ReturnType<typeof createRoleAssumer> | undefined;

  beforeEach(() => {
    // What the SDK reads; no provider may reach a network: no IMDS, STS on a closed loopback port.
    vi.stubEnv('HOME', temp.path());
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_ENDPOINT_URL_STS', 'http://127.0.0.1:9');
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_CONFIG_FILE',
      'AWS_SHARED_CREDENTIALS_FILE',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_ROLE_ARN',
    ]) {
      vi.stubEnv(name, undefined);
    }
    temp.write('.aws/config', CONFIG);
  });
  afterEach(() => {
    assumer?.destroy();
    vi.unstubAllEnvs();
  });

  it('answers AWS_PROFILE=nonexistent with NO_SOURCE_CREDENTIALS naming the profile and files', async () => {
    vi.stubEnv('AWS_PROFILE', 'nonexistent');
    assumer = createRoleAssumer({ requestTimeoutSeconds: 2, env: process.env });

    const attempt = assumer.assumeRole(makeService('app', { source: DEFAULT_SOURCE }));

    await expect(attempt).rejects.toMatchObject({
      code: 'NO_SOURCE_CREDENTIALS',
      transient: false,
      message: expect.stringMatching(
        /^no source credentials: profile nonexistent \(AWS_PROFILE\) was not found in .*\.aws\/config or .*\.aws\/credentials \(no such file\)/,
      ),
    });
  });

  it('answers an unknown iam_profile the same way', async () => {
    assumer = createRoleAssumer({ requestTimeoutSeconds: 2, env: process.env });

    const attempt = assumer.assumeRole(makeService('app', { source: profileSource('missing') }));

    await expect(attempt).rejects.toMatchObject({
      code: 'NO_SOURCE_CREDENTIALS',
      message: expect.stringContaining('profile missing (iam_profile.profile_name) was not found'),
    });
  });

  it('keeps the generic advice when no profile is named', async () => {
    assumer = createRoleAssumer({ requestTimeoutSeconds: 2, env: process.env });

    const attempt = assumer.assumeRole(makeService('app', { source: DEFAULT_SOURCE }));

    await expect(attempt).rejects.toMatchObject({
      code: 'NO_SOURCE_CREDENTIALS',
      message: expect.stringContaining('no source credentials: set AWS_ACCESS_KEY_ID'),
    });
  });
});
