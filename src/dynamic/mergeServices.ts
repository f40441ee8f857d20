import type { ServiceConfig } from '../config/types.js';

/** The last valid definition of one dynamic file, and when the file was first seen. */
export interface DynamicFileServices {
  readonly file: string;
  /** Increases with the moment the file was first loaded: the older file owns a clashing name. */
  readonly order: number;
  readonly services: readonly ServiceConfig[];
}

/** A dynamic service left out of the served set, and why. Never holds a token. */
export interface ServiceConflict {
  readonly file: string;
  readonly service: string;
  readonly reason: 'static_name' | 'dynamic_name' | 'token';
  /** The static config file, the owning dynamic file, or the service that holds the token. */
  readonly owner: string;
}

export interface MergedServices {
  readonly services: readonly ServiceConfig[];
  readonly conflicts: readonly ServiceConflict[];
}

/**
 * The served set: static services always, then each dynamic file's services in the order the
 * files were first seen. A static name can never be shadowed; between two files the older owns
 * a name, and the younger's definition takes over when the owner goes away (the merge is
 * recomputed from the files on every change). A token already in use is never given to a
 * second service.
 */
export function mergeServices(
  staticServices: readonly ServiceConfig[],
  files: readonly DynamicFileServices[],
): MergedServices {
  const staticNames = new Map(staticServices.map((s) => [s.name, s.origin.file]));
  const owners = new Map<string, string>();
  const tokens = new Map<string, string>();
  for (const s of staticServices) if (s.authToken !== undefined) tokens.set(s.authToken, s.name);
  const services: ServiceConfig[] = [...staticServices];
  const conflicts: ServiceConflict[] = [];

  for (const entry of [...files].sort((a, b) => a.order - b.order)) {
    for (const service of entry.services) {
      const staticFile = staticNames.get(service.name);
      const owner = owners.get(service.name);
      const tokenHolder =
        service.authToken === undefined ? undefined : tokens.get(service.authToken);
      if (staticFile !== undefined) {
        conflicts.push({
          file: entry.file,
          service: service.name,
          reason: 'static_name',
          owner: staticFile,
        });
      } else if (owner !== undefined) {
        conflicts.push({ file: entry.file, service: service.name, reason: 'dynamic_name', owner });
      } else if (tokenHolder !== undefined) {
        conflicts.push({
          file: entry.file,
          service: service.name,
          reason: 'token',
          owner: tokenHolder,
        });
      } else {
        owners.set(service.name, entry.file);
        if (service.authToken !== undefined) tokens.set(service.authToken, service.name);
        services.push(service);
      }
    }
  }
  return { services, conflicts };
}
