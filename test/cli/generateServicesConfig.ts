import { createHash } from 'node:crypto';

/**
 * A valid config with `count` services, each with its own 64-character token, role, tags and
 * session policy: enough per service that slow validation or an O(n²) rule would show.
 */
export function generateServicesConfig(count: number): string {
  const lines = ['aws_defaults:', '  region: us-east-1', 'services:'];
  for (let i = 0; i < count; i++) {
    const token = createHash('sha256').update(`token-${i}`).digest('hex');
    lines.push(
      `  svc-${i}:`,
      `    auth_token: "${token}"`,
      '    source_credentials: {region: eu-central-2}',
      '    assumed_role:',
      `      RoleArn: arn:aws:iam::123456789012:role/team/svc-${i}`,
      `      RoleSessionName: svc-${i}`,
      '      DurationSeconds: 3600',
      `      Tags: [{Key: service, Value: svc-${i}}]`,
      `      Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'`,
    );
  }
  return `${lines.join('\n')}\n`;
}
