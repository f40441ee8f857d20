import type { JwtIssuerConfig } from '../../config/identityTypes.js';
import type { ServiceConfig } from '../../config/types.js';
import { readJsonPointer } from './readJsonPointer.js';

export type Selection =
  | { readonly ok: true; readonly service: string }
  /** `reason` is a fixed word for logs; the client gets one generic 403 message. */
  | { readonly ok: false; readonly reason: SelectionFailure };

export type SelectionFailure =
  | 'no_service_claim'
  | 'service_not_accepting'
  | 'claims_mismatch'
  | 'no_matching_service'
  | 'ambiguous_services';

/** Which service a verified token may act as. Built per set of services in force. */
export interface ServiceSelector {
  select(issuer: JwtIssuerConfig, claims: Readonly<Record<string, unknown>>): Selection;
}

/**
 * A service accepts a JWT only when it says so (`jwt:`), from the issuer it names, with every
 * required claim equal. With an issuer `service_claim`, the claim names the service (the
 * sandbox model); without one, exactly one accepting service must match (the Kubernetes model).
 */
export function createServiceSelector(services: readonly ServiceConfig[]): ServiceSelector {
  const byIssuer = new Map<string, ServiceConfig[]>();
  for (const service of services) {
    if (service.jwt === undefined) continue;
    const list = byIssuer.get(service.jwt.issuer) ?? [];
    list.push(service);
    byIssuer.set(service.jwt.issuer, list);
  }
  const byName = new Map(services.map((service) => [service.name, service]));

  return {
    select(issuer, claims) {
      if (issuer.serviceClaim !== undefined) {
        const name = readJsonPointer(claims, issuer.serviceClaim);
        if (typeof name !== 'string') return { ok: false, reason: 'no_service_claim' };
        const service = byName.get(name);
        if (service?.jwt?.issuer !== issuer.name) {
          return { ok: false, reason: 'service_not_accepting' };
        }
        return matches(service, claims)
          ? { ok: true, service: service.name }
          : { ok: false, reason: 'claims_mismatch' };
      }
      const found = (byIssuer.get(issuer.name) ?? []).filter((s) => matches(s, claims));
      if (found.length === 1 && found[0] !== undefined) return { ok: true, service: found[0].name };
      return {
        ok: false,
        reason: found.length === 0 ? 'no_matching_service' : 'ambiguous_services',
      };
    },
  };
}

function matches(service: ServiceConfig, claims: Readonly<Record<string, unknown>>): boolean {
  return (service.jwt?.requireClaims ?? []).every(
    (required) => readJsonPointer(claims, required.pointer) === required.value,
  );
}
