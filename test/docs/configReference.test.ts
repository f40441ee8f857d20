import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toConfigReference } from '../../tooling/build/toConfigReference.js';

const schemaUrl = new URL('../../schema/credproxy.schema.json', import.meta.url);
const docUrl = new URL('../../docs/configuration.md', import.meta.url);

describe('docs/configuration.md', () => {
  it('is the reference generated from the schema (run npm run docs:config after a schema change)', () => {
    const generated = toConfigReference(JSON.parse(readFileSync(schemaUrl, 'utf8')));
    if (process.env.UPDATE_DOCS === '1') writeFileSync(docUrl, generated);

    const committed = readFileSync(docUrl, 'utf8');

    expect(committed).toBe(generated);
  });

  it('lists every key a user can write, with its description', () => {
    const doc = readFileSync(docUrl, 'utf8');

    for (const key of [
      'server.host',
      'credentials.refresh_buffer_seconds',
      'aws_defaults.iam_profile.config_file',
      'services.<name>.assumed_role.DurationSeconds',
      'services.<name>.assumed_role.Tags[].Key',
      'dynamic_services.directories[].include_patterns',
      'dynamic_services.max_file_bytes',
      'metrics.prometheus.port',
    ]) {
      expect(doc).toMatch(
        new RegExp(`\\| \`${key.replace(/[.[\]<>]/g, '\\$&')}\` \\| [^|]+ \\| [^|]* \\| \\S`),
      );
    }
  });
});
