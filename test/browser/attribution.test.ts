import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '#local/dynamodb-local';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime';
import { chromiumMissing, launchChromium } from '../support/browser';
import { eventually } from '../support/eventually';

/**
 * Issue 18 in a real browser: a tiny shop on another port includes Touchpoint's `/t.js` on its landing
 * page. A customer follows a conversion-tracking short link to it; the snippet keeps `tp_cid` in a cookie
 * on the shop's site and takes it out of the address bar; the customer buys; the shop's backend reads the
 * cookie and reports the purchase with a tracker key. The marketer's dashboard then credits the
 * touchpoint in its Attribution view and ends the funnel in the goal.
 */
const API_KEY = 'attribution-e2e-admin-key';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
/** A customer's browser: headless Chromium's own user agent says HeadlessChrome, which counts as a bot. */
const DESKTOP =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

let rt: LocalRuntime;
let shop: Server;
let shopUrl: string;
let tracker: string;
let browser: Browser | undefined;
const missing = chromiumMissing();
const reported: Array<{ status: number; body: string }> = [];

async function api(method: string, path: string, body?: unknown, key = API_KEY) {
  const res = await fetch(`${rt.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** The shop: a landing page with the snippet and a Buy button, and a checkout that reports the purchase. */
function startShop(): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (req.url?.startsWith('/landing')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>Shop</title>
<script src="${rt.url}/t.js" data-days="30"></script></head>
<body><h1>Spring shoes</h1><form method="post" action="/checkout"><button>Buy for $49.99</button></form></body></html>`);
      return;
    }
    if (req.url === '/checkout' && req.method === 'POST') {
      // The shop's backend: the click id is the first-party cookie the snippet set on this site.
      const cookie = /(?:^|;\s*)tp_cid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      const answer = await api(
        'POST',
        '/api/conversions',
        { clickId: cookie, event: 'purchase', value: 49.99, currency: 'USD', orderId: 'SHOP-1' },
        tracker,
      );
      reported.push({ status: answer.status, body: JSON.stringify(answer.json) });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><body><h1>Thank you</h1><p id="order">${answer.status}</p></body></html>`,
      );
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function ready(): Browser {
  if (missing || !browser) throw new Error(missing ?? 'Chromium did not start');
  return browser;
}

describe('conversions and attribution in Chromium', () => {
  let shortUrl: string;
  let page: Page;

  beforeAll(async () => {
    rt = await startLocalRuntime({
      port: await freePort(),
      dynamodbEndpoint: inject('dynamoEndpoint'),
      tableName: `attr_${Math.random().toString(36).slice(2, 10)}`,
      apiKey: API_KEY,
      batchingWindowMs: 100,
    });
    shop = await startShop();
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    expect(
      (await api('PUT', '/api/journeys/shop', { stages: ['discover', 'buy'], goals: ['purchase'] })).status,
    ).toBe(201);
    const link = await api('POST', '/api/links', {
      url: `${shopUrl}/landing?lang=en`,
      touchpoint: 'window-poster',
      stage: 'discover',
      journey: 'shop',
      trackConversions: true,
    });
    expect(link.status).toBe(201);
    shortUrl = link.json.shortUrl;
    tracker = (await api('POST', '/api/keys', { name: 'shop backend', role: 'tracker' })).json.key;
    if (!missing) browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => shop?.close(r));
    await rt?.stop();
  });

  it("keeps tp_cid in a cookie on the shop's site, takes it out of the address bar, and the shop reports the purchase", async () => {
    const context = await ready().newContext({ userAgent: DESKTOP });
    page = await context.newPage();
    await page.goto(shortUrl);
    await page.getByRole('heading', { name: 'Spring shoes' }).waitFor();
    const landed = new URL(page.url());
    expect(landed.origin).toBe(shopUrl);
    expect(landed.searchParams.get('lang')).toBe('en');
    expect(landed.searchParams.has('tp_cid')).toBe(false);
    const cookies = await context.cookies(shopUrl);
    const cid = cookies.find((c) => c.name === 'tp_cid');
    expect(cid?.value).toMatch(/^[0-9a-z]{10}[A-Za-z0-9_-]{12,23}$/);
    expect(cid?.sameSite).toBe('Lax');

    await page.getByRole('button', { name: 'Buy for $49.99' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    expect(reported).toHaveLength(1);
    expect(reported[0]?.status, reported[0]?.body).toBe(201);
    expect(JSON.parse(reported[0]?.body ?? '{}')).toMatchObject({
      touchpoint: 'window-poster',
      value: 49.99,
    });
    await context.close();
  });

  it('shows the purchase in the Attribution view and as the funnel goal', async () => {
    await eventually(
      'the conversion to be aggregated',
      async () => (await api('GET', '/api/journeys/shop/attribution')).json,
      (report) => report.conversions === 1,
    );
    const context = await ready().newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    const dash = await context.newPage();
    const problems: string[] = [];
    dash.on('pageerror', (err) => problems.push(err.message));
    await dash.goto(`${rt.url}/dashboard`);
    await dash.getByLabel('API key').fill(API_KEY);
    await dash.getByRole('button', { name: 'Sign in' }).click();
    await dash.getByRole('heading', { name: 'Links', level: 1 }).waitFor();

    await dash.getByRole('link', { name: 'Attribution' }).click();
    await dash.getByRole('heading', { name: 'Attribution', level: 1 }).waitFor();
    const form = dash.locator('#attribution-form');
    await form.getByLabel('Journey').selectOption('shop');
    await form.getByRole('button', { name: 'Show' }).click();
    const row = dash.locator('#attribution-table tbody tr', { hasText: 'window-poster' });
    await row.waitFor();
    const cells = (await row.locator('th, td').allInnerTexts()).map((t) => t.trim());
    expect(cells).toEqual(['window-poster', 'discover', '1', '$49.99']);
    expect(await dash.locator('#attribution-summary').innerText()).toContain('1 “purchase” conversions');
    // Every model credits the only touchpoint with the whole conversion.
    const desc = await dash.locator('#attribution-chart desc').textContent();
    expect(desc).toBe('window-poster: First touch 1, Last touch 1, Linear 1, Position-based 1, Time decay 1');
    // Switching the model redraws the table from the answers already loaded.
    await form.getByLabel('Model').selectOption('time_decay');
    await expect.poll(() => dash.locator('#attribution-summary').innerText()).toContain('Time decay');
    mkdirSync(ARTIFACTS, { recursive: true });
    await dash.screenshot({ path: `${ARTIFACTS}dashboard-attribution.png`, fullPage: true });

    await dash.getByRole('link', { name: 'Funnel' }).click();
    await dash.getByRole('heading', { name: 'Journey funnel', level: 1 }).waitFor();
    const funnelForm = dash.locator('#funnel-form');
    await funnelForm.getByLabel('Journey').selectOption('shop');
    await funnelForm.getByRole('button', { name: 'Show' }).click();
    const goal = dash.locator('#funnel-stages tbody tr', { hasText: 'Goal' });
    await goal.waitFor();
    expect((await goal.locator('th, td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      'purchase Goal',
      '1',
      '–',
      '–',
      '–',
      '–',
    ]);
    const buy = dash.locator('#funnel-stages tbody tr', { hasText: 'buy' }).first();
    expect((await buy.locator('td').allInnerTexts())[0]).toBe('0');
    expect(problems).toEqual([]);
    await context.close();
  });
});
