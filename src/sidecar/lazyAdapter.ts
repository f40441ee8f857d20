import type { Config } from '../config/types.js';
import type { Adapter, Listener, SidecarContext } from './types.js';

/** What the sidecar needs to know of a door before its code is loaded. */
export interface LazyDoor {
  readonly name: string;
  readonly portKey: string;
  readonly exposes: string;
  /** The listener's host when the config turns the door on; undefined when it is off. */
  readonly hostOf: (config: Config) => string | undefined;
  /** Loads the door's module (a dynamic import: its own bundle chunk). */
  readonly load: () => Promise<Adapter>;
}

/**
 * A door whose code (and dependencies: undici, X.509) is loaded only when the config turns it
 * on, when its listener opens. A sidecar without egress routes or a forward proxy never loads
 * them: start-up and memory stay those of the credential endpoint.
 */
export function lazyAdapter(door: LazyDoor): Adapter {
  return (context: SidecarContext, config: Config) => {
    const host = door.hostOf(config);
    if (host === undefined) return undefined;
    let loaded: Listener | undefined;
    const listener: Listener = {
      name: door.name,
      portKey: door.portKey,
      host,
      exposes: door.exposes,
      async listen() {
        const adapter = await door.load();
        const built = adapter(context, config);
        const one = Array.isArray(built) ? built[0] : built;
        if (one === undefined) throw new Error(`the ${door.name} door built no listener`);
        loaded = one;
        return one.listen();
      },
      close: (graceMs) => loaded?.close(graceMs) ?? Promise.resolve(),
    };
    return listener;
  };
}
