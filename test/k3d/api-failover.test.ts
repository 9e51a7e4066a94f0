/**
 * twin's relay to a cluster's servers (api-failover.ts) on loopback: connections go to a server
 * that accepts, move on when it stops, and what was relayed to a server that went away is cut so
 * the client reconnects (a watch re-lists) instead of waiting on a dead connection.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiFailover } from '../../src/engines/k3d/api-failover.js';

/** A server that answers each connection with its name, then keeps it open. */
async function named(name: string): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, sockets };
}

/** Connects through the relay and returns the first bytes read and the socket. */
function through(port: number): Promise<{ said: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('data', (data) => resolve({ said: data.toString(), socket }));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before any data')));
  });
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('API failover relay', () => {
  it('relays to the first server that accepts, and to the next once it stops', async () => {
    const a = await named('a');
    const b = await named('b');
    cleanup.push(
      () => void a.server.close(),
      () => void b.server.close(),
    );
    const relay = new ApiFailover([
      { host: '127.0.0.1', port: a.port },
      { host: '127.0.0.1', port: b.port },
    ]);
    const port = await relay.listen();
    cleanup.push(() => relay.close());
    const first = await through(port);
    expect(first.said).toBe('a');
    // a stops accepting; its open connection stays open on a's side, as a killed machine never sends a reset.
    a.server.close();
    const cut = new Promise<void>((resolve) => first.socket.once('close', () => resolve()));
    const second = await through(port);
    expect(second.said).toBe('b');
    expect(relay.current.port).toBe(b.port);
    // The connection relayed to a is cut once a has refused two checks in a row.
    await cut;
    second.socket.destroy();
    first.socket.destroy();
    for (const s of a.sockets) s.destroy();
    for (const s of b.sockets) s.destroy();
  });

  it('refuses a connection when no server accepts one', async () => {
    const a = await named('a');
    const port = a.port;
    await new Promise<void>((resolve) => a.server.close(() => resolve()));
    const relay = new ApiFailover([{ host: '127.0.0.1', port }]);
    const listening = await relay.listen();
    cleanup.push(() => relay.close());
    await expect(through(listening)).rejects.toThrow(/closed before any data/);
  });
});
