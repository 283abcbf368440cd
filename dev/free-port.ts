import { createServer } from 'node:net';

/**
 * A free loopback port, for starting the local host as a child process: the host must know its
 * port before it starts (the port is part of the dev token issuer). Used by tests and benchmarks.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
