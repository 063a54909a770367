/**
 * `npm run demo`: fills a running local Touchpoint with a small, realistic journey so the dashboard and
 * the funnel have something to show. It only uses the public API and the redirect over HTTP, with one
 * cookie jar per simulated visitor, exactly like browsers. Usage: `npm start` in one terminal, then
 * `npm run demo` (TOUCHPOINT_URL and TOUCHPOINT_API_KEY override the defaults).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const base = process.env.TOUCHPOINT_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
const key =
  process.env.TOUCHPOINT_API_KEY ??
  readFileSync(resolve(process.env.TOUCHPOINT_DATA_DIR ?? '.data', 'admin-key'), 'utf8').trim();
const MOBILE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const DESKTOP =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const touchpoints: Array<[string, string, string, number, number]> = [
  // touchpoint, stage, channel, visitors, share that moves on to the next stage
  ['ig-reel', 'awareness', 'social', 60, 0.45],
  ['spring-poster-lobby', 'awareness', 'print', 60, 0.1],
  ['podcast-ad', 'awareness', 'ads', 50, 0.4],
  ['pricing-email', 'consideration', 'email', 0, 0.55],
  ['checkout-link', 'decision', 'web', 0, 0.2],
  ['thank-you-email', 'retention', 'email', 0, 0.3],
  ['referral-card', 'advocacy', 'packaging', 0, 0],
];

async function main(): Promise<void> {
  const slugs = new Map<string, string>();
  for (const [touchpoint, stage, channel] of touchpoints) {
    const link = await api('POST', '/api/links', {
      url: `https://shop.example/${touchpoint}`,
      touchpoint,
      stage,
      channel,
      campaign: 'demo',
      utm: { source: touchpoint, medium: channel },
    });
    slugs.set(stage === 'awareness' ? touchpoint : stage, link.slug);
    process.stdout.write(`created ${link.shortUrl} for ${touchpoint} (${stage})\n`);
  }
  const later = ['consideration', 'decision', 'retention', 'advocacy'];
  const rate = new Map(touchpoints.map(([t, s, , , r]) => [s === 'awareness' ? t : s, r]));
  let clicks = 0;
  for (const [touchpoint, stage, , visitors] of touchpoints) {
    if (stage !== 'awareness') continue;
    for (let i = 0; i < visitors; i++) {
      let cookie: string | undefined;
      const ua = i % 3 ? MOBILE : DESKTOP;
      const visit = async (slug: string, scan: boolean) => {
        const res = await fetch(`${base}/${slug}${scan ? '?r=qr' : ''}`, {
          redirect: 'manual',
          headers: { 'user-agent': ua, ...(cookie ? { cookie } : {}) },
        });
        cookie ??= res.headers.get('set-cookie')?.split(';')[0];
        clicks++;
      };
      await visit(slugs.get(touchpoint)!, touchpoint.includes('poster'));
      let moveOn = rate.get(touchpoint)!;
      for (const next of later) {
        if (Math.random() >= moveOn) break;
        await visit(slugs.get(next)!, false);
        moveOn = rate.get(next)!;
      }
    }
  }
  process.stdout.write(
    `\n${clicks} clicks and scans sent. Give the aggregator a second, then open ${base}/dashboard\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
