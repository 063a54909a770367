/**
 * `npm run demo`: fills a running local Touchpoint with two small, realistic journeys so the dashboard,
 * the funnel and attribution have something to show. It only uses the public API and the redirect over HTTP, with one
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
  const shop = await shopJourney();
  clicks += shop.clicks;
  process.stdout.write(
    `\n${clicks} clicks and scans sent, ${shop.purchases} purchases reported. Give the aggregator a few ` +
      `seconds, then open ${base}/dashboard (Funnel and Attribution views of journey 'shop').\n`,
  );
}

/**
 * A small shop: discover → consider → buy with the goal `purchase`. Every link tracks conversions, so
 * the landing URL carries tp_cid; a visitor who reaches checkout buys with some probability, and the
 * "shop backend" reports the purchase with a tracker key, as a real shop would (one order twice, as a
 * retrying backend does: counted once).
 */
async function shopJourney(): Promise<{ clicks: number; purchases: number }> {
  await api('PUT', '/api/journeys/shop', {
    stages: ['discover', 'consider', 'buy'],
    goals: ['purchase'],
    description: 'Demo shop: which touchpoints bring the sales?',
  });
  const tracker = (await api('POST', '/api/keys', { name: 'demo shop backend', role: 'tracker' }))
    .key as string;
  const shopLinks: Array<[string, string, string]> = [
    ['shop-ig-ad', 'discover', 'social'],
    ['shop-window-poster', 'discover', 'print'],
    ['shop-newsletter', 'consider', 'email'],
    ['shop-checkout', 'buy', 'web'],
  ];
  const slug = new Map<string, string>();
  for (const [touchpoint, stage, channel] of shopLinks) {
    const link = await api('POST', '/api/links', {
      url: `https://shop.example/${touchpoint}`,
      touchpoint,
      stage,
      channel,
      journey: 'shop',
      campaign: 'demo',
      trackConversions: true,
    });
    slug.set(touchpoint, link.slug);
  }
  let clicks = 0;
  let purchases = 0;
  for (let i = 0; i < 40; i++) {
    let cookie: string | undefined;
    let cid: string | null = null;
    const visit = async (touchpoint: string, scan = false) => {
      const res = await fetch(`${base}/${slug.get(touchpoint)}${scan ? '?r=qr' : ''}`, {
        redirect: 'manual',
        headers: { 'user-agent': i % 2 ? MOBILE : DESKTOP, ...(cookie ? { cookie } : {}) },
      });
      cookie ??= res.headers.get('set-cookie')?.split(';')[0];
      cid = new URL(res.headers.get('location') ?? base).searchParams.get('tp_cid') ?? cid;
      clicks++;
    };
    const poster = i % 3 === 0;
    await visit(poster ? 'shop-window-poster' : 'shop-ig-ad', poster);
    if (Math.random() < 0.6) await visit('shop-newsletter');
    if (Math.random() < (poster ? 0.3 : 0.6)) await visit('shop-checkout');
    else continue;
    if (!cid || Math.random() >= 0.7) continue;
    const order = {
      clickId: cid,
      event: 'purchase',
      value: Math.round((20 + Math.random() * 80) * 100) / 100,
      currency: i % 4 === 0 ? 'EUR' : 'USD',
      orderId: `demo-${Date.now()}-${i}`,
    };
    // The click is written just after its redirect: a shop's backend retries a 404.
    for (let attempt = 0; attempt < 20; attempt++) {
      const res = await fetch(`${base}/api/conversions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tracker}`, 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
      if (res.status !== 404) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    purchases++;
    if (purchases === 1) {
      await fetch(`${base}/api/conversions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tracker}`, 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
    }
  }
  process.stdout.write(`journey 'shop': ${purchases} purchases reported with tp_cid\n`);
  return { clicks, purchases };
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
