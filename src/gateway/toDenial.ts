import type { AwsGatewayConfig } from '../config/doorTypes.js';
import type { ServiceConfig } from '../config/types.js';

/**
 * Why an identified service may not make this call (`aws_gateway` off, an AWS service or
 * region outside `proxy.aws`), or undefined. Names only config values and checked names.
 */
export function toDenial(
  definition: ServiceConfig | undefined,
  awsService: string,
  region: string,
  aws: AwsGatewayConfig,
): string | undefined {
  if (definition?.awsGateway !== true) {
    return `service ${definition?.name ?? ''} may not use the AWS gateway (set aws_gateway: true)`;
  }
  if (!aws.services.includes('*') && !aws.services.includes(awsService)) {
    return `AWS service ${awsService} is not in proxy.aws.services`;
  }
  if (aws.regions !== undefined && !aws.regions.includes(region)) {
    return `region ${region} is not in proxy.aws.regions`;
  }
  return undefined;
}
