/**
 * Reads the outputs of a credproxy-roles.yaml stack from the JSON that
 * `aws cloudformation describe-stacks --stack-name NAME` prints.
 */

/** One credproxy service and the role the stack created for it. */
export interface StackService {
  readonly name: string;
  readonly roleArn: string;
}

export interface StackRoles {
  readonly stackName: string;
  /** The stack's region, from its StackId ARN. */
  readonly region: string;
  /** In output order: Service1 first. */
  readonly services: readonly StackService[];
  readonly externalId?: string;
}

const SERVICE_NAME = /^[a-zA-Z0-9_-]+$/;
const ROLE_ARN =
  /^arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role\/(?:[A-Za-z0-9+=,.@_-]+\/)*[A-Za-z0-9+=,.@_-]{1,64}$/;
const STACK_ID = /^arn:aws(?:-[a-z]+)*:cloudformation:([a-z0-9-]+):[0-9]{12}:stack\//;

export function readStackOutputs(document: unknown): StackRoles {
  const stack = firstStack(document);
  const outputs = new Map<string, string>();
  for (const output of arrayAt(stack, 'Outputs')) {
    const key = stringAt(output, 'OutputKey');
    const value = stringAt(output, 'OutputValue');
    if (key !== undefined && value !== undefined) outputs.set(key, value);
  }
  const services: StackService[] = [];
  for (let slot = 1; outputs.has(`Service${slot}Name`) || slot <= 4; slot += 1) {
    const name = outputs.get(`Service${slot}Name`);
    const roleArn = outputs.get(`Service${slot}RoleArn`);
    if (name === undefined && roleArn === undefined) continue;
    if (name === undefined || roleArn === undefined) {
      throw new Error(`output Service${slot}Name or Service${slot}RoleArn is missing`);
    }
    if (!SERVICE_NAME.test(name)) {
      throw new Error(`output Service${slot}Name is not a credproxy service name: ${name}`);
    }
    if (!ROLE_ARN.test(roleArn)) throw new Error(`output Service${slot}RoleArn is not a role ARN`);
    services.push({ name, roleArn });
  }
  if (services.length === 0) {
    throw new Error(
      'the stack has no Service1Name/Service1RoleArn outputs: is it credproxy-roles.yaml?',
    );
  }
  const stackId = stringAt(stack, 'StackId') ?? '';
  const region = STACK_ID.exec(stackId)?.[1];
  if (region === undefined) throw new Error('StackId is missing or not a CloudFormation stack ARN');
  const externalId = outputs.get('ExternalId');
  return {
    stackName: stringAt(stack, 'StackName') ?? 'credproxy-roles',
    region,
    services,
    ...(externalId === undefined ? {} : { externalId }),
  };
}

function firstStack(document: unknown): Record<string, unknown> {
  const stacks = arrayAt(document, 'Stacks');
  const stack = stacks[0];
  if (stacks.length !== 1 || !isRecord(stack)) {
    throw new Error('expected the output of describe-stacks for exactly one stack');
  }
  const status = stringAt(stack, 'StackStatus');
  if (status !== undefined && !/^(CREATE|UPDATE|IMPORT)_COMPLETE$/.test(status)) {
    throw new Error(`the stack is ${status}, not complete`);
  }
  return stack;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayAt(value: unknown, key: string): unknown[] {
  const found = isRecord(value) ? value[key] : undefined;
  return Array.isArray(found) ? found : [];
}

function stringAt(value: unknown, key: string): string | undefined {
  const found = isRecord(value) ? value[key] : undefined;
  return typeof found === 'string' ? found : undefined;
}
