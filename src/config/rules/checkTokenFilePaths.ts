import type { IssueCollector } from '../issues.js';
import { joinKeyPath } from '../keyPath.js';
import type { ServiceConfig } from '../types.js';

/**
 * Two services writing the same token file would each overwrite the other's token, and one
 * workload would present the other's: an error, naming the first holder. Across dynamic files
 * the token files themselves refuse a path already taken (src/identity/createTokenFiles.ts).
 */
export function checkTokenFilePaths(
  services: readonly ServiceConfig[],
  pathOf: (name: string) => string,
  issues: IssueCollector,
): void {
  const holders = new Map<string, string>();
  for (const service of services) {
    const file = service.tokenFile?.path;
    if (file === undefined) continue;
    const first = holders.get(file);
    if (first === undefined) holders.set(file, service.name);
    else {
      issues.error(
        joinKeyPath(pathOf(service.name), 'token_file.path'),
        `is also the token file of service ${first}: each service needs its own`,
      );
    }
  }
}
