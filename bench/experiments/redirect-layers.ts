import { createServer, type RequestListener, type Server } from 'node:http';
import { nanoid } from 'nanoid';
import { BROWSER_UA, LOAD_USER_AGENTS } from '../context';
import { median, progress } from '../lib';
import { LoadWorker, referenceClickFor } from '../throughput';
import { posterLink, withBenchRuntime } from './setup';

/**
 * Figure 2, layer by layer (not part of `npm run bench`): the server's CPU per request when it does only
 * the click write, when the local adapter (request → API Gateway event → handler → response) wraps that
 * write, when that stub also answers with the redirect's headers and visitor cookie, and for the real
 * redirect handler behind the adapter. Same autocannon load (32 connections,
 * 12 user agents), same DynamoDB Local, rounds in rotating order; medians of rounds.
 * Run: npx tsx bench/experiments/redirect-layers.ts
 */
await withBenchRuntime(async (ctx, runtime) => {
  const servers: Server[] = [];
  try {
    const { clickItem, putClick, clickPartition } = await import('#clicks/repository');
    const { requestListener } = await import('#local/server');
    const { handler: api } = await import('#handlers/api');
    const { config } = await import('#shared/config');
    const link = await posterLink(ctx);
    const write = () => {
      const click = referenceClickFor(link);
      return putClick(clickItem(click, clickPartition(click), config().clickRetentionDays));
    };
    const listen = async (listener: RequestListener) => {
      const server = createServer(listener);
      server.keepAliveTimeout = 65_000;
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const address = server.address();
      return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/${link.slug}`;
    };

    /** The adapter around only the click write; `asRedirect` answers with the redirect's headers and cookie. */
    const stub = (asRedirect: boolean) => async () => {
      await write();
      const headers: Record<string, string> = {
        location: 'https://example.com/spring?lang=en',
        'cache-control': 'no-store',
      };
      if (!asRedirect) return { statusCode: 302, headers, body: '' };
      return {
        statusCode: 302,
        headers: { ...headers, 'referrer-policy': 'unsafe-url', 'x-robots-tag': 'noindex' },
        cookies: [`tp_vid=v_${nanoid()}; Max-Age=34560000; Path=/; HttpOnly; SameSite=Lax`],
        body: '',
      };
    };

    const variants: Array<[string, string]> = [
      [
        'node:http + click write',
        await listen((req, res) => {
          req.resume();
          write().then(() => {
            res.writeHead(302, {
              location: 'https://example.com/spring?lang=en',
              'cache-control': 'no-store',
            });
            res.end();
          });
        }),
      ],
      ['local adapter + click write', await listen(requestListener({ api, redirect: stub(false) }))],
      [
        'local adapter + click write + redirect headers',
        await listen(requestListener({ api, redirect: stub(true) })),
      ],
      ['local adapter + redirect handler (npm start)', `${runtime.url}/${link.slug}`],
    ];

    const worker = await LoadWorker.start();
    const job = (url: string, seconds: number) => ({
      url,
      connections: 32,
      durationSeconds: seconds,
      headers: { 'user-agent': BROWSER_UA, accept: 'text/html', 'accept-language': 'en' },
      userAgents: LOAD_USER_AGENTS,
    });
    try {
      for (const [, url] of variants) await worker.run(job(url, 4));
      const rounds = Number(process.env.ROUNDS ?? 5);
      const results = new Map<string, Array<{ perSecond: number; cpuUs: number }>>();
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < variants.length; i++) {
          const [name, url] = variants[(i + r) % variants.length]!;
          const cpu0 = process.cpuUsage();
          const res = await worker.run(job(url, 6));
          const cpu = process.cpuUsage(cpu0);
          const cpuUs = (cpu.user + cpu.system) / res.requests;
          results.set(name, [...(results.get(name) ?? []), { perSecond: res.perSecond, cpuUs }]);
          progress(`  ${name}: ${res.perSecond.toFixed(0)} req/s, ${cpuUs.toFixed(0)} µs CPU a request`);
        }
      }
      for (const [name, runs] of results) {
        progress(
          `${name}: median ${median(runs.map((x) => x.perSecond)).toFixed(0)} req/s, ` +
            `${median(runs.map((x) => x.cpuUs)).toFixed(0)} µs of server CPU a request`,
        );
      }
    } finally {
      worker.stop();
    }
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  }
});
