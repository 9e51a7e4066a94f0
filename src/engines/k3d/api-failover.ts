/**
 * twin's own way to the API of a cluster with several servers: a TCP relay on loopback that
 * sends each connection to the first server that accepts one, as a K3s agent's client-side load
 * balancer does (K3s pkg/agent/loadbalancer: a local listener in front of every server, moving to
 * the next when one fails). Without it, twin would watch the cluster through server-0 only and
 * report the API gone whenever that one machine is, though the other servers still serve it.
 *
 * A server that stops accepting connections (its container killed: no RST ever comes) has the
 * relayed connections to it cut, so watches re-list through a server that is up. The relay only
 * forwards bytes: TLS is end to end, and every server's certificate names 127.0.0.1.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface ApiTarget {
  readonly host: string;
  readonly port: number;
}

/** How long a connection attempt to one server may take before the next is tried. */
const connectTimeoutMs = 1000;
/** How often each server is checked (a TCP connect), and how many failures in a row mark it down. */
const checkEveryMs = 1000;
const downAfter = 2;

function tryConnect(target: ApiTarget, timeoutMs: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(null);
    });
  });
}

export class ApiFailover {
  private readonly server: Server;
  private readonly sessions = new Map<Socket, { target: number; client: Socket }>();
  private readonly failures: number[];
  private preferred = 0;
  private checker: NodeJS.Timeout | null = null;
  private checking = false;
  private closed = false;
  /** Clients still waiting for a server to accept (not yet in `sessions`). */
  private readonly pending = new Set<Socket>();

  constructor(private readonly targets: readonly ApiTarget[]) {
    if (targets.length === 0) throw new Error('API failover without servers');
    this.failures = targets.map(() => 0);
    this.server = createServer({ pauseOnConnect: true }, (client) => void this.relay(client));
  }

  /** Listens on a free loopback port; returns it. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.checker = setInterval(() => void this.check(), checkEveryMs);
    this.checker.unref();
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('API failover: no loopback port');
    return address.port;
  }

  /** The server connections go to first (the last one that accepted). */
  get current(): ApiTarget {
    return this.targets[this.preferred] ?? (this.targets[0] as ApiTarget);
  }

  private async relay(client: Socket): Promise<void> {
    client.on('error', () => client.destroy());
    this.pending.add(client);
    try {
      await this.connectClient(client);
    } finally {
      this.pending.delete(client);
    }
  }

  private async connectClient(client: Socket): Promise<void> {
    for (let i = 0; i < this.targets.length; i++) {
      const index = (this.preferred + i) % this.targets.length;
      const target = this.targets[index];
      if (!target || ((this.failures[index] ?? 0) >= downAfter && i < this.targets.length - 1)) continue;
      const upstream = await tryConnect(target, connectTimeoutMs);
      if (client.destroyed || this.closed) {
        upstream?.destroy();
        client.destroy();
        return;
      }
      if (!upstream) continue;
      this.preferred = index;
      this.failures[index] = 0;
      this.sessions.set(upstream, { target: index, client });
      const end = () => {
        this.sessions.delete(upstream);
        upstream.destroy();
        client.destroy();
      };
      upstream.on('error', end).on('close', end);
      client.on('close', end);
      upstream.pipe(client);
      client.pipe(upstream);
      client.resume();
      return;
    }
    client.destroy();
  }

  /** Marks servers that stop accepting connections down and cuts what was relayed to them. */
  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await Promise.all(
        this.targets.map(async (target, index) => {
          const socket = await tryConnect(target, connectTimeoutMs);
          socket?.destroy();
          this.failures[index] = socket ? 0 : (this.failures[index] ?? 0) + 1;
          if (this.failures[index] !== downAfter) return;
          for (const [upstream, session] of this.sessions)
            if (session.target === index) {
              upstream.destroy();
              session.client.destroy();
            }
        }),
      );
    } finally {
      this.checking = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.checker) clearInterval(this.checker);
    this.checker = null;
    for (const client of this.pending) client.destroy();
    for (const [upstream, session] of this.sessions) {
      upstream.destroy();
      session.client.destroy();
    }
    this.sessions.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
