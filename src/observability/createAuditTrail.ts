import type { ServiceConfig } from '../config/types.js';
import type { CredentialSession } from '../credentials/ports.js';
import type { Credentials } from '../credentials/types.js';
import type { Logger } from './createLogger.js';

/**
 * The issuance audit trail: who got which credentials, when. One info line per set fetched
 * from STS (`credentials_fetched`) and one per set first served to each client address
 * (`credentials_served`). Fields are a stable format, documented in docs/audit.md. The access
 * key id identifies a set in CloudTrail; the secret key and session token never appear.
 */
export interface AuditTrail {
  fetched(
    service: ServiceConfig,
    credentials: Credentials,
    kind: 'initial' | 'refresh',
    session?: CredentialSession,
  ): void;
  served(
    service: ServiceConfig,
    credentials: Credentials,
    clientAddress: string,
    session?: CredentialSession,
  ): void;
}

/** Client addresses remembered per set; past this, every further serve is logged. */
const MAX_ADDRESSES_PER_SET = 256;

export function createAuditTrail(logger: Logger): AuditTrail {
  const audit = logger.child({ component: 'audit' });
  const seen = new WeakMap<Credentials, Set<string>>();

  function fields(
    service: ServiceConfig,
    credentials: Credentials,
    session: CredentialSession | undefined,
  ) {
    return {
      service: service.name,
      roleArn: credentials.roleArn,
      accessKeyId: credentials.accessKeyId,
      expiration: new Date(credentials.expiresAtMs).toISOString(),
      origin: service.origin.kind,
      originFile: service.origin.file,
      // A per-session set (JWT claims): its tag set and source identity, as sent to STS.
      ...(session === undefined
        ? {}
        : {
            sessionTags: Object.fromEntries(session.tags.map((tag) => [tag.key, tag.value])),
            ...(session.sourceIdentity === undefined
              ? {}
              : { sourceIdentity: session.sourceIdentity }),
          }),
    };
  }

  return {
    fetched(service, credentials, kind, session) {
      audit.info(
        { event: 'credentials_fetched', kind, ...fields(service, credentials, session) },
        'credentials fetched',
      );
    },
    served(service, credentials, clientAddress, session) {
      let addresses = seen.get(credentials);
      if (!addresses) {
        addresses = new Set();
        seen.set(credentials, addresses);
      }
      if (addresses.has(clientAddress)) return;
      if (addresses.size < MAX_ADDRESSES_PER_SET) addresses.add(clientAddress);
      audit.info(
        {
          event: 'credentials_served',
          client: clientAddress,
          ...fields(service, credentials, session),
        },
        'credentials served',
      );
    },
  };
}
