import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { CredproxyError } from '../errors.js';

/** Open `server` on host:port; a taken port becomes PORT_IN_USE with the config key to change. */
export function listen(
  server: Server,
  host: string,
  port: number,
  configKey: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new CredproxyError(
            'PORT_IN_USE',
            `${host}:${port} is already in use by another process (change ${configKey})`,
            { cause: error },
          ),
        );
      } else {
        reject(
          new CredproxyError(
            'LISTEN_FAILED',
            `cannot listen on ${host}:${port} (${error.code ?? 'error'})`,
            {
              cause: error,
            },
          ),
        );
      }
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      resolve(toBaseUrl(address.address, address.port));
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function toBaseUrl(address: string, port: number): string {
  return isIP(address) === 6 ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

/** Loopback addresses reach only processes in the same network namespace. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Stop accepting, let in-flight requests finish, and cut what is left after `graceMs`. */
export function close(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
