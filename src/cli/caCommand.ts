import type { Env } from '../config/env.js';
import { loadConfig } from '../config/loadConfig.js';
import { CredproxyError } from '../errors.js';
import { readCertificateAuthority } from '../forward/readCertificateAuthority.js';
import { EXIT_OK } from './exitCodes.js';
import { reportError } from './reportError.js';

export interface CaOptions {
  readonly action: 'init' | 'export';
  readonly configFile: string;
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/**
 * `credproxy ca init`: makes the forward proxy's CA where `forward_proxy.ca` says, unless it
 * exists (then only checks it). `credproxy ca export`: prints the CA certificate (PEM) for
 * workloads to trust. Neither ever prints the key.
 */
export async function runCa(options: CaOptions): Promise<number> {
  try {
    const { config } = await loadConfig(options.configFile, options.env);
    const forward = config.forwardProxy;
    if (forward === undefined) {
      throw new CredproxyError('USAGE', `${options.configFile} has no forward_proxy block`);
    }
    const { ca, created } = await readCertificateAuthority(forward.ca, {
      create: options.action === 'init',
      now: Date.now,
    });
    if (options.action === 'export') {
      options.stdout(ca.certPem.endsWith('\n') ? ca.certPem : `${ca.certPem}\n`);
    } else {
      options.stderr(
        created
          ? `created the CA: ${forward.ca.certFile} (key ${forward.ca.keyFile}, mode 0600)\n`
          : `the CA exists and is usable: ${forward.ca.certFile}\n`,
      );
    }
    return EXIT_OK;
  } catch (error) {
    return reportError(error, { stderr: options.stderr, verbose: false });
  }
}
