import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { captureStderr } from '../support/stderr';

/**
 * A slow DynamoDB, for real: every request of this file goes through a proxy in front of DynamoDB Local
 * that can hold the click PutItem. The redirect must give up on the write in time, still answer 302,
 * and log the click; the replay must then store it exactly once, also when the slow write did land.
 *
 * The app modules are imported only after DYNAMODB_ENDPOINT points at the proxy (the shared client is
 * created at module load), hence the dynamic imports.
 */
type Mode = 'pass' | 'drop' | 'late';
let mode: Mode = 'pass';
let proxy: Server;
let app: Awaited<ReturnType<typeof import('../support/app')['setupApp']>>;
let inspect: typeof import('../support/inspect');
let clicks: typeof import('#clicks/replay');

const HOLD_MS = 5_000;

function startProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isPut = req.headers['x-amz-target'] === 'DynamoDB_20120810.PutItem';
      const forward = (delayResponseMs: number) => {
        const up = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (upRes) => {
            const out: Buffer[] = [];
            upRes.on('data', (c) => out.push(c));
            upRes.on('end', () => {
              setTimeout(() => {
                if (res.destroyed) return;
                res.writeHead(upRes.statusCode ?? 500, upRes.headers);
                res.end(Buffer.concat(out));
              }, delayResponseMs);
            });
          },
        );
        up.on('error', () => res.destroy());
        up.end(body);
      };
      if (isPut && mode === 'drop') {
        // Never reaches DynamoDB; answers only if the client is still waiting after HOLD_MS.
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(504).end();
        }, HOLD_MS);
      } else if (isPut && mode === 'late') {
        forward(HOLD_MS); // the write lands at once, the answer comes too late
      } else {
        forward(0);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  proxy = await startProxy(inject('dynamoEndpoint'));
  const address = proxy.address();
  process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  app = await (await import('../support/app')).setupApp();
  inspect = await import('../support/inspect');
  clicks = await import('#clicks/replay');
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
});

describe('a DynamoDB that does not answer the click write in time', () => {
  it.each([
    ['the write never lands', 'drop' as const, { inserted: 1, alreadyStored: 0 }],
    ['the write lands, the answer is late', 'late' as const, { inserted: 0, alreadyStored: 1 }],
  ])('%s: 302 at once, click logged, stored exactly once after replay', async (_what, slowMode, expected) => {
    const created = await app.api({
      method: 'POST',
      path: '/api/links',
      body: {
        url: `https://shop.example/slow/${slowMode}`,
        touchpoint: `slow-${slowMode}`,
        stage: 'decision',
      },
    });
    const link = inspect.bodyOf(created);
    expect((await app.click(link.slug)).statusCode).toBe(302); // caches the link
    mode = slowMode;
    let result: Awaited<ReturnType<typeof app.click>> | undefined;
    const started = Date.now();
    const lines = await captureStderr(async () => {
      result = await app.click(link.slug);
    });
    const waited = Date.now() - started;
    mode = 'pass';
    expect(result!.statusCode).toBe(302);
    // It gave up on the write (at ~800 ms) rather than waiting for DynamoDB's answer.
    expect(waited).toBeLessThan(HOLD_MS);
    expect(result!.headers?.location).toBe(`https://shop.example/slow/${slowMode}`);
    const failures = lines.filter((l) => l.includes('"click_write_failed"'));
    expect(failures, lines.join('\n')).toHaveLength(1);

    // Let a late write land before replaying it.
    if (slowMode === 'late') await new Promise((r) => setTimeout(r, 300));
    const replay = await clicks.replayClickLog(lines);
    expect(replay).toMatchObject({ lines: 1, failed: 0, ...expected });
    const stored = await inspect.storedClicks(link.id);
    expect(stored).toHaveLength(2);
    expect(stored.filter((c) => c.id === JSON.parse(failures[0]!).item.id)).toHaveLength(1);
  });
});
