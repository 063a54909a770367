import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { captureStderr } from '../support/stderr';

/**
 * DynamoDB stalls (requests are held, not refused) for several seconds after a link's cache entry has
 * expired (issue 14): redirects of known links keep answering from the stale entry within ~1 s, an
 * unknown slug answers 503 at once, and after the stall and the replay of the logged clicks, clicks
 * counted == 302s sent. Every request goes through a proxy in front of DynamoDB Local that can hold them.
 */
let stalled = false;
const held: Array<() => void> = [];
let proxy: Server;
let app: Awaited<ReturnType<typeof import('../support/app')['setupApp']>>;
let inspect: typeof import('../support/inspect');
let clicks: typeof import('../../functions/clicks/service');

function startProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const forward = () => {
        if (res.destroyed) return; // the client gave up while the request was held
        const up = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (upRes) => {
            res.writeHead(upRes.statusCode ?? 500, upRes.headers);
            upRes.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      };
      if (stalled) held.push(forward);
      else forward();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  proxy = await startProxy(inject('dynamoEndpoint'));
  const address = proxy.address();
  process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  process.env.LINK_CACHE_TTL_SECONDS = '1';
  app = await (await import('../support/app')).setupApp();
  inspect = await import('../support/inspect');
  clicks = await import('../../functions/clicks/service');
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
});

describe('a DynamoDB stall while the link cache expires', () => {
  it('keeps redirecting known links, answers 503 for unknown ones, and loses no click', async () => {
    const link = inspect.bodyOf(
      await app.api({
        method: 'POST',
        path: '/api/links',
        body: { url: 'https://shop.example/poster', touchpoint: 'stall-poster', stage: 'awareness' },
      }),
    );
    expect((await app.click(link.slug)).statusCode).toBe(302); // caches the link
    await new Promise((r) => setTimeout(r, 1_100)); // its cache entry expires

    stalled = true;
    const timings: number[] = [];
    let unknown: Awaited<ReturnType<typeof app.click>> | undefined;
    let unknownMs = 0;
    const lines = await captureStderr(async () => {
      for (let i = 0; i < 4; i++) {
        const started = Date.now();
        const res = await app.click(link.slug);
        timings.push(Date.now() - started);
        expect(res.statusCode).toBe(302);
        expect(res.headers?.location).toBe('https://shop.example/poster');
      }
      const started = Date.now();
      unknown = await app.click('no-such-slug');
      unknownMs = Date.now() - started;
    });
    expect(Math.max(...timings), `redirect times during the stall: ${timings}`).toBeLessThan(1_500);
    expect(unknown?.statusCode).toBe(503);
    expect(unknown?.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(String(unknown?.body)).error.code).toBe('service_unavailable');
    expect(unknownMs).toBeLessThan(1_500);

    stalled = false;
    for (const release of held.splice(0)) release(); // the stall ends: held requests reach DynamoDB late
    const replay = await clicks.replayClickLog(lines);
    expect(replay.failed).toBe(0);
    expect(replay.lines).toBe(4);
    // Clicks stored == 302s sent: 1 before the stall + 4 during it, each exactly once.
    await new Promise((r) => setTimeout(r, 300));
    expect(await inspect.storedClicks(link.id)).toHaveLength(5);
  });
});
