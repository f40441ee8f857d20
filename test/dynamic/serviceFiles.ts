import type { DynamicServicesOptions } from '../../src/dynamic/createDynamicServices.js';

/** A token long and random-looking enough to raise no weak-token warning. */
export const tok = (name: string) => `${name}-token-0123456789abcdefghijklmnopqrstuv`;
export const ROLE = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

/** A dynamic service file in the original's `services:` form. */
export function servicesFile(services: Record<string, { token: string; role?: string }>): string {
  const blocks = Object.entries(services).map(
    ([name, s]) =>
      `  ${name}:\n    auth_token: "${s.token}"\n    source_credentials: {}\n    assumed_role:\n      RoleArn: "${s.role ?? ROLE(name)}"\n`,
  );
  return `services:\n${blocks.join('')}`;
}

/** `text` followed by a YAML comment that brings it to exactly `bytes` bytes. */
export function paddedTo(text: string, bytes: number): string {
  const padding = bytes - Buffer.byteLength(text) - 2;
  if (padding < 0) throw new Error(`${bytes} bytes is too short for this file`);
  return `${text}#${'x'.repeat(padding)}\n`;
}

/** Options for `createDynamicServices` watching `paths`, with no static service. */
export function dynamicOptions(
  paths: readonly string[],
  overrides: Partial<DynamicServicesOptions> = {},
): DynamicServicesOptions {
  return {
    directories: paths.map((path) => ({ path, includePatterns: [], excludePatterns: [] })),
    staticServices: [],
    awsDefaults: { region: 'us-east-1', raw: { region: 'us-east-1' } },
    env: {},
    policy: { secretDirectories: [], allowedEnv: [] },
    maxFileBytes: 1_048_576,
    routes: [],
    ...overrides,
  };
}
