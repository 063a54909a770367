import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of DynamoDB Local that makes it slow or stalled, for real: requests travel the
 * same sockets as ever, the SDK's own timeouts and aborts apply, nothing is mocked. Used by the redirect
 * fault tests and by bench/time-to-302.ts.
 * - `delay(ms)`: every byte on its way to DynamoDB waits `ms` more (so each request takes `ms` longer).
 * - `stall()`: nothing is forwarded in either direction until `resume()`; connections stay open, like a
 *   DynamoDB that has stopped answering (not one failing fast). A connection the client gives up on
 *   (closes) loses what was held for it: that request never reaches DynamoDB.
 * - `refuse()`: every open connection is cut and new ones are closed at once until `resume()`, like a
 *   DynamoDB that is down (requests fail fast).
 */
export class DynamoProxy {
  private delayMs = 0;
  private stalled = false;
  private refusing = false;
  private readonly links = new Set<Link>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(target: string): Promise<DynamoProxy> {
    const upstream = new URL(target);
    let proxy: DynamoProxy | undefined;
    const server = createServer((client) => {
      if (proxy!.refusing) {
        client.destroy();
        return;
      }
      const server = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
      proxy!.connect(client, server);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    proxy = new DynamoProxy(server, `http://127.0.0.1:${port}`);
    return proxy;
  }

  /** Adds `ms` to every request from now on (0: none). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  stall(): void {
    this.stalled = true;
  }

  refuse(): void {
    this.refusing = true;
    for (const link of this.links) link.destroy();
  }

  /** Forwards what a stall held, in order, and everything after (and accepts connections again). */
  resume(): void {
    this.stalled = false;
    this.refusing = false;
    for (const link of this.links) link.flush();
  }

  /** The DynamoDB operations (`PutItem`, `GetItem`, …) of the requests a stall is holding right now. */
  heldOperations(): string[] {
    return [...this.links].flatMap((link) => link.heldOperations());
  }

  async close(): Promise<void> {
    for (const link of this.links) link.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private connect(client: Socket, server: Socket): void {
    const link = new Link(
      client,
      server,
      () => this.delayMs,
      () => this.stalled,
    );
    this.links.add(link);
    link.onClose(() => this.links.delete(link));
  }
}

/** One client connection and its connection to DynamoDB. */
class Link {
  private readonly held: Array<{ toServer: boolean; chunk: Buffer }> = [];
  private readonly delayed: Array<{ at: number; chunk: Buffer }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Socket,
    private readonly server: Socket,
    private readonly delayMs: () => number,
    private readonly stalled: () => boolean,
  ) {
    client.on('data', (chunk) => this.toServer(chunk));
    server.on('data', (chunk) => this.pass(false, chunk));
    const close = () => this.destroy();
    client.on('close', close).on('error', close);
    server.on('close', close).on('error', close);
  }

  onClose(fn: () => void): void {
    this.client.once('close', fn);
  }

  heldOperations(): string[] {
    const text = this.held
      .filter((h) => h.toServer)
      .map((h) => h.chunk.toString('latin1'))
      .join('');
    return [...text.matchAll(/x-amz-target: DynamoDB_\d+\.(\w+)/gi)].map((m) => m[1]!);
  }

  flush(): void {
    for (const { toServer, chunk } of this.held.splice(0)) this.write(toServer, chunk);
  }

  destroy(): void {
    this.held.length = 0;
    this.delayed.length = 0;
    clearTimeout(this.timer);
    this.client.destroy();
    this.server.destroy();
  }

  private toServer(chunk: Buffer): void {
    const delay = this.delayMs();
    if (delay <= 0 && !this.delayed.length) {
      this.pass(true, chunk);
      return;
    }
    this.delayed.push({ at: Date.now() + delay, chunk });
    this.releaseDelayed();
  }

  /** Releases delayed chunks in the order they came (a later one never overtakes an earlier one). */
  private releaseDelayed(): void {
    if (this.timer || !this.delayed.length) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        while (this.delayed.length && this.delayed[0]!.at <= Date.now()) {
          this.pass(true, this.delayed.shift()!.chunk);
        }
        this.releaseDelayed();
      },
      Math.max(0, this.delayed[0]!.at - Date.now()),
    );
  }

  private pass(toServer: boolean, chunk: Buffer): void {
    if (this.stalled()) this.held.push({ toServer, chunk });
    else this.write(toServer, chunk);
  }

  private write(toServer: boolean, chunk: Buffer): void {
    const target = toServer ? this.server : this.client;
    if (!target.destroyed) target.write(chunk);
  }
}
