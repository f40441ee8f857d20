import type { ServiceConfig } from '../config/types.js';
import type { Credentials } from '../credentials/types.js';
import type { Logger } from './createLogger.js';

/**
 * The issuance audit trail: who got which credentials, when. One info line per set fetched
 * from STS (`credentials_fetched`) and one per set first served to each client address
 * (`credentials_served`). Fields are a stable format, documented in docs/audit.md. The access
 * key id identifies a set in CloudTrail; the secret key and session token never appear.
 */
export interface AuditTrail {
  fetched(service: ServiceConfig, credentials: Credentials, kind: 'initial' | 'refresh'): void;
  served(service: ServiceConfig, credentials: Credentials, clientAddress: string): void;
}

/** Client addresses remembered per set; past this, every further serve is logged. */
const MAX_ADDRESSES_PER_SET = 256;

export function createAuditTrail(logger: Logger): AuditTrail {
  const audit = logger.child({ component: 'audit' });
  const seen = new WeakMap<Credentials, Set<string>>();

  function fields(service: ServiceConfig, credentials: Credentials) {
    return {
      service: service.name,
      roleArn: credentials.roleArn,
      accessKeyId: credentials.accessKeyId,
      expiration: new Date(credentials.expiresAtMs).toISOString(),
      origin: service.origin.kind,
      originFile: service.origin.file,
    };
  }

  return {
    fetched(service, credentials, kind) {
      audit.info(
        { event: 'credentials_fetched', kind, ...fields(service, credentials) },
        'credentials fetched',
      );
    },
    served(service, credentials, clientAddress) {
      let addresses = seen.get(credentials);
      if (!addresses) {
        addresses = new Set();
        seen.set(credentials, addresses);
      }
      if (addresses.has(clientAddress)) return;
      if (addresses.size < MAX_ADDRESSES_PER_SET) addresses.add(clientAddress);
      audit.info(
        { event: 'credentials_served', client: clientAddress, ...fields(service, credentials) },
        'credentials served',
      );
    },
  };
}
