import { stringify } from 'yaml';
import type { StackRoles, StackService } from './readStackOutputs.js';

/**
 * Turns a credproxy-roles stack into a runnable multi-SDK demo: a credproxy config (the first
 * service static, the others as dynamic service files), client scripts, and a compose file
 * that runs credproxy plus one client container per service. Pure: returns path → content,
 * relative to the output directory; generate.ts writes them and creates the token files.
 *
 * Paths in the config are relative to it (`tokens/NAME.token`, `dynamic`), so the same
 * directory validates on the host and runs mounted at /credproxy in the container.
 */
export interface DemoOptions {
  /** credproxy's server.port, and the port in the clients' FULL_URI. */
  readonly port: number;
  readonly metricsPort: number;
  /** The credproxy image the compose file runs (build it from the repository first). */
  readonly image: string;
}

export const DEFAULT_DEMO_OPTIONS: DemoOptions = {
  port: 1338,
  metricsPort: 9090,
  image: 'credproxy:local',
};

/** An SDK the demo knows how to exercise; any other service name gets the AWS CLI. */
type ClientKind = 'aws-cli' | 'boto3' | 'js-sdk' | 'go-sdk';

export function tokenPath(service: StackService): string {
  return `tokens/${service.name}.token`;
}

export function renderDemo(stack: StackRoles, options: DemoOptions): Map<string, string> {
  const files = new Map<string, string>();
  const [first, ...rest] = stack.services;
  if (!first) throw new Error('the stack defines no service');
  files.set('config.yaml', renderConfig(stack, first, options));
  for (const service of rest) {
    files.set(`dynamic/${service.name}.yaml`, renderServiceFile(stack, service));
  }
  files.set('docker-compose.yaml', renderCompose(stack, options));
  for (const [path, text] of Object.entries(CLIENT_SCRIPTS)) files.set(path, text);
  files.set('.gitignore', 'tokens/\n');
  return files;
}

/** `relativeToTokens`: the path from the file holding the block to the output directory. */
function serviceBlock(
  stack: StackRoles,
  service: StackService,
  relativeToTokens: '' | '../',
): Record<string, unknown> {
  return {
    // fromFile paths resolve against the file they are written in.
    auth_token: `\${fromFile:${relativeToTokens}${tokenPath(service)}}`,
    assumed_role: {
      RoleArn: service.roleArn,
      RoleSessionName: `credproxy-${service.name}`.slice(0, 64),
      ...(stack.externalId === undefined ? {} : { ExternalId: stack.externalId }),
    },
  };
}

function renderConfig(stack: StackRoles, first: StackService, options: DemoOptions): string {
  const config = {
    server: { host: '127.0.0.1', port: options.port },
    metrics: { prometheus: { enabled: true, host: '127.0.0.1', port: options.metricsPort } },
    aws_defaults: { region: stack.region },
    services: { [first.name]: serviceBlock(stack, first, '') },
    dynamic_services: {
      enabled: true,
      directories: [{ path: 'dynamic', include_patterns: ['.*\\.yaml$'] }],
      reload_interval: 2,
      // The dynamic files read their tokens from here, and may read nothing else.
      secret_directories: ['tokens'],
    },
  };
  return header([
    `credproxy config generated from stack ${stack.stackName} by tooling/cloudformation/generate.ts.`,
    'credproxy calls STS with the default AWS SDK chain of its container (the compose file passes',
    'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN through); that principal must',
    'be the one the roles trust. Paths are relative to this file.',
  ]).concat(stringify(config));
}

function renderServiceFile(stack: StackRoles, service: StackService): string {
  return header([
    `Dynamic service ${service.name} (flat form: named after this file), from stack ${stack.stackName}.`,
  ]).concat(stringify(serviceBlock(stack, service, '../')));
}

function renderCompose(stack: StackRoles, options: DemoOptions): string {
  const services: Record<string, unknown> = {
    credproxy: {
      image: options.image,
      user: '${CREDPROXY_UID:-1338}:${CREDPROXY_GID:-1338}',
      init: true,
      read_only: true,
      tmpfs: ['/tmp'],
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      environment: {
        AWS_ACCESS_KEY_ID: '${AWS_ACCESS_KEY_ID:-}',
        AWS_SECRET_ACCESS_KEY: '${AWS_SECRET_ACCESS_KEY:-}',
        AWS_SESSION_TOKEN: '${AWS_SESSION_TOKEN:-}',
        AWS_REGION: stack.region,
      },
      volumes: [
        './config.yaml:/credproxy/config.yaml:ro',
        './dynamic:/credproxy/dynamic:ro',
        './tokens:/credproxy/tokens:ro',
      ],
      healthcheck: {
        test: ['CMD', 'node', '/app/healthcheck.mjs', `http://127.0.0.1:${options.port}/health`],
        interval: '5s',
        timeout: '5s',
        start_period: '10s',
        retries: 3,
      },
    },
  };
  const secrets: Record<string, unknown> = {};
  for (const service of stack.services) {
    const secret = `${service.name}-token`;
    secrets[secret] = { file: `./${tokenPath(service)}` };
    services[service.name] = {
      ...clientContainer(clientKind(service.name)),
      network_mode: 'service:credproxy',
      depends_on: { credproxy: { condition: 'service_healthy' } },
      environment: {
        // FULL_URI only: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, if set, would win.
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${options.port}/v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: `/run/secrets/${secret}`,
        // AWS CLI v1 and older SDKs read only AWS_DEFAULT_REGION.
        AWS_REGION: stack.region,
        AWS_DEFAULT_REGION: stack.region,
      },
      secrets: [secret],
    };
  }
  return header([
    `Multi-SDK demo for stack ${stack.stackName}, generated by tooling/cloudformation/generate.ts.`,
    `Build the image first (docker build -t ${options.image} . in the credproxy repository), then:`,
    `  docker compose up -d credproxy && docker compose run --rm ${stack.services[0]?.name}`,
    'Each client prints the ARN of the role it received, or fails. On Linux, run credproxy as',
    'yourself so it can read the 0600 token files: CREDPROXY_UID=$(id -u) CREDPROXY_GID=$(id -g).',
  ]).concat(stringify({ name: 'credproxy-demo', services, secrets }));
}

function clientKind(name: string): ClientKind {
  const kinds: readonly ClientKind[] = ['aws-cli', 'boto3', 'js-sdk', 'go-sdk'];
  return kinds.find((kind) => name === kind || name.startsWith(`${kind}-`)) ?? 'aws-cli';
}

/** Image and command of each client; the scripts come from clients/ (CLIENT_SCRIPTS). */
function clientContainer(kind: ClientKind): Record<string, unknown> {
  switch (kind) {
    case 'aws-cli':
      return {
        image: 'amazon/aws-cli:latest',
        command: ['sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'],
      };
    case 'boto3':
      return {
        image: 'python:3.13-slim',
        volumes: ['./clients:/clients:ro'],
        entrypoint: ['/bin/sh', '-c'],
        command: [
          'pip install --quiet --disable-pip-version-check --root-user-action=ignore boto3 && python /clients/boto3_client.py',
        ],
      };
    case 'js-sdk':
      return {
        image: 'node:24-slim',
        volumes: ['./clients:/clients:ro'],
        working_dir: '/tmp',
        entrypoint: ['/bin/sh', '-c'],
        command: [
          'npm install --silent --no-audit --no-fund @aws-sdk/client-sts && cp /clients/js_sdk_client.cjs . && node js_sdk_client.cjs',
        ],
      };
    case 'go-sdk':
      return {
        image: 'golang:1.24',
        volumes: ['./clients:/clients:ro'],
        working_dir: '/tmp/go-sdk',
        entrypoint: ['/bin/sh', '-c'],
        command: [
          'cp /clients/go_sdk_client.go main.go && go mod init demo && go get github.com/aws/aws-sdk-go-v2/config github.com/aws/aws-sdk-go-v2/service/sts && go run .',
        ],
      };
  }
}

/** Tiny clients: get the caller identity through the container credential provider. */
const CLIENT_SCRIPTS: Record<string, string> = {
  'clients/boto3_client.py': `"""Prints the ARN boto3 gets through the container credential provider."""
import boto3

identity = boto3.client("sts").get_caller_identity()
print(identity["Arn"])
`,
  'clients/js_sdk_client.cjs': `// Prints the ARN the AWS SDK for JavaScript v3 gets through the container credential provider.
const { GetCallerIdentityCommand, STSClient } = require('@aws-sdk/client-sts');

new STSClient({}).send(new GetCallerIdentityCommand({})).then(
  (identity) => console.log(identity.Arn),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
`,
  'clients/go_sdk_client.go': `// Prints the ARN the AWS SDK for Go v2 gets through the container credential provider.
package main

import (
\t"context"
\t"fmt"
\t"log"

\t"github.com/aws/aws-sdk-go-v2/config"
\t"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
\tctx := context.Background()
\tcfg, err := config.LoadDefaultConfig(ctx)
\tif err != nil {
\t\tlog.Fatal(err)
\t}
\tidentity, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
\tif err != nil {
\t\tlog.Fatal(err)
\t}
\tfmt.Println(*identity.Arn)
}
`,
};

function header(lines: readonly string[]): string {
  return `${lines.map((line) => `# ${line}`.trimEnd()).join('\n')}\n\n`;
}
