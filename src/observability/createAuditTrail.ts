import type { ServiceConfig } from '../config/types.js';
import type { CredentialSession } from '../credentials/ports.js';
import type { Credentials } from '../credentials/types.js';
import { type Logger, TOP_LEVEL_REDACTED_PATHS } from './createLogger.js';

/**
 * The audit trail: who got which credentials, when, and who called which upstream. One info
 * line per set fetched from STS (`credentials_fetched`), one per set first served to each
 * client address (`credentials_served`), and one per egress request (`proxied`). Fields are a stable format, documented in docs/audit.md. The access
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
  /** One egress request of an identified caller, forwarded or refused by the route's rules. */
  proxied(request: ProxiedRequest): void;
}

/** The `proxied` line's fields (docs/audit.md). Never a header, a query or an injected value. */
export interface ProxiedRequest {
  readonly route: string;
  /** The service whose token was presented; `-` on a `client_auth: none` route. */
  readonly service: string;
  readonly client: string;
  readonly method: string;
  /** The path as requested, without the query string. */
  readonly path: string;
  /** The status sent to the client; null when it left before one was. */
  readonly status: number | null;
  /** Request body bytes sent upstream and response body bytes sent to the client. */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Milliseconds until the upstream's response headers; null when none arrived. */
  readonly upstreamMs: number | null;
  readonly durationMs: number;
  /** What went wrong (an error code from docs/errors.md), or null. */
  readonly code: string | null;
  /** AWS gateway only: the AWS operation the request names (`PutItem`), when it names one. */
  readonly operation?: string;
}

/** Client addresses remembered per set; past this, every further serve is logged. */
const MAX_ADDRESSES_PER_SET = 256;

export function createAuditTrail(logger: Logger): AuditTrail {
  const audit = logger.child({ component: 'audit' });
  // One line per egress request, of fixed scalar fields: the one-level-down redaction paths
  // could never match, and would cost ten times the line itself.
  const perRequest = logger.child(
    { component: 'audit' },
    { redact: { paths: TOP_LEVEL_REDACTED_PATHS, censor: '[redacted]' } },
  );
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
    proxied(request) {
      perRequest.info({ event: 'proxied', ...request }, 'request proxied');
    },
  };
}
