import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/** A real JWKS endpoint on 127.0.0.1 whose keys and health the test controls. */
export interface JwksServer {
  jwksUri: string;
  /** Number of JWKS requests served (any status). */
  readonly hits: number;
  setKeys(keys: JWK[]): void;
  /** Answer every request with this status and no key set (simulates an outage). */
  setFailing(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let current = keys;
  let failing: number | undefined;
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits += 1;
    if (failing !== undefined) {
      res.writeHead(failing).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: current }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUri: `http://127.0.0.1:${port}/keys`,
    get hits() {
      return hits;
    },
    setKeys(next) {
      current = next;
    },
    setFailing(status) {
      failing = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
