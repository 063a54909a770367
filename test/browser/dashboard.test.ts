import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '#local/dynamodb-local';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime';
import { CHROMIUM, launchChromium } from '../support/browser';
import { eventually } from '../support/eventually';
import { decodeQrPng } from '../support/qr-image';

/**
 * End to end, in a real browser: Debian's Chromium drives the dashboard served by the real local server
 * (same handlers, DynamoDB Local, stream poller). A marketer signs in, creates links, downloads a QR
 * code; customers click and scan through the redirect; the dashboard shows it in the chart, the
 * touchpoint table and the funnel. Screenshots go to test/artifacts/ (git-ignored).
 */

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const API_KEY = 'dashboard-e2e-admin-key';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Version/17.5 Mobile/15E148 Safari/604.1';
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'Chrome/126.0.6478.122 Mobile Safari/537.36';
const BRAND = '#1b3a8a';

/** The traffic the test sends; every expected number below follows from these. */
const VISITORS = 30; // each visits the poster link once: the first 22 click, the other 8 scan
const POSTER_CLICKERS = 22;
const PROGRESSING = 5; // visitors 0..4 then click the consideration link
const POSTER_CLICKS = POSTER_CLICKERS + 1; // visitor 0 clicks the poster link a second time
const POSTER_SCANS = VISITORS - POSTER_CLICKERS;

let rt: LocalRuntime;
let browser: Browser | undefined;
let page: Page;
/** Set when Chromium is missing: every test fails with it instead of being skipped. */
let missing: string | undefined;
const problems: string[] = [];
const links: { poster?: { id: string; shortUrl: string }; compare?: { id: string; shortUrl: string } } = {};

function ready(): Page {
  if (missing) throw new Error(missing);
  return page;
}

/** Collects what would show in the browser console as a problem: CSP violations, script errors, 5xx. */
function watch(p: Page): void {
  p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  p.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // The test provokes a 401 (wrong key) and 400s (a reserved slug) on purpose; the browser logs them.
    if (/Failed to load resource: the server responded with a status of 40[01]/.test(text)) return;
    problems.push(`console error: ${text}`);
  });
}

async function newContext(viewport: { width: number; height: number }, mobile: boolean) {
  const context = await browser!.newContext({
    viewport,
    isMobile: mobile,
    hasTouch: mobile,
    acceptDownloads: true,
    timezoneId: 'UTC',
    locale: 'en-GB',
  });
  const p = await context.newPage();
  p.setDefaultTimeout(10_000);
  watch(p);
  return { context, page: p };
}

async function signIn(p: Page, key: string): Promise<void> {
  await p.goto(`${rt.url}/dashboard`);
  await p.getByLabel('API key').fill(key);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

/** What a person reads in an HTML element (innerText: rendered text, line breaks as spaces). */
async function text(p: Page, selector: string): Promise<string> {
  return (await p.locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();
}

/** The words an SVG chart shows (its <text> elements) or its description, space-separated. */
async function svgText(p: Page, selector: string): Promise<string> {
  const parts = await p
    .locator(selector)
    .first()
    .evaluate((el) =>
      el.tagName === 'desc'
        ? [el.textContent ?? '']
        : Array.from(el.querySelectorAll('text')).map((t) => t.textContent ?? ''),
    );
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

/** The visible text of each cell (th and td) of each body row. */
async function rows(p: Page, table: string): Promise<string[][]> {
  return p.$$eval(`${table} tbody tr`, (trs) =>
    trs.map((tr) =>
      Array.from(tr.children).map((cell) => (cell as HTMLElement).innerText.replace(/\s+/g, ' ').trim()),
    ),
  );
}

async function downloadOf(p: Page, click: () => Promise<void>): Promise<{ name: string; body: Buffer }> {
  const [download] = await Promise.all([p.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), body: readFileSync(await download.path()) };
}

async function screenshot(p: Page, name: string): Promise<void> {
  // Without the transient status toast, which a full-page capture would paint mid-page.
  await p.evaluate(() => {
    const status = document.querySelector('#status');
    if (status) status.textContent = '';
  });
  await p.screenshot({ path: `${ARTIFACTS}${name}`, fullPage: true });
}

/** The page never scrolls sideways (tables scroll inside their own container). */
async function pageWidth(p: Page): Promise<number> {
  return p.evaluate(() => document.documentElement.scrollWidth);
}

/** Form controls without an accessible label, by id (none expected). */
async function unlabelled(p: Page): Promise<string[]> {
  return p.$$eval('input:not([type=hidden]), select, textarea', (fields) =>
    fields
      .filter((f) => {
        const field = f as HTMLInputElement;
        const labels = field.labels ? Array.from(field.labels).filter((l) => l.textContent?.trim()) : [];
        return (
          labels.length === 0 && !field.getAttribute('aria-label') && !field.getAttribute('aria-labelledby')
        );
      })
      .map((f) => f.id || f.outerHTML.slice(0, 60)),
  );
}

/** Buttons and links without a name a screen reader could read out (none expected). */
async function unnamedControls(p: Page): Promise<string[]> {
  return p.$$eval('button, a[href]', (els) =>
    els
      .filter((el) => !(el.textContent ?? '').trim() && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML.slice(0, 80)),
  );
}

/**
 * Text whose colour contrast against its background is under WCAG AA (4.5:1, or 3:1 for large text):
 * every visible element with text of its own, HTML and SVG, against the nearest opaque background.
 */
async function lowContrast(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const rgb = (css: string) => {
      const m = /rgba?\(([^)]+)\)/.exec(css);
      if (!m) return null;
      const [r = 0, g = 0, b = 0, a = 1] = m[1]!
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return { r, g, b, a };
    };
    const channel = (c: number) => {
      const s = c / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    const luminance = (c: { r: number; g: number; b: number }) =>
      0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
    const background = (el: Element) => {
      for (let e: Element | null = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const found: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const ownText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent?.trim());
      const box = el.getBoundingClientRect();
      if (!ownText || box.width === 0 || box.height === 0 || el.closest('.sr-only')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      const fg = rgb(el instanceof SVGElement ? style.fill : style.color);
      if (!fg) continue;
      const [a, b] = [luminance(fg), luminance(background(el))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = Number.parseFloat(style.fontSize);
      const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
      if (ratio < (large ? 3 : 4.5))
        found.push(`${ratio.toFixed(2)}:1 "${el.textContent?.trim().slice(0, 40)}"`);
    }
    return found;
  });
}

/** A customer with a phone and a cookie jar of their own, going through the redirect. */
class Visitor {
  private cookie: string | undefined;
  constructor(private readonly userAgent: string) {}

  async open(url: string): Promise<string> {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { 'user-agent': this.userAgent, ...(this.cookie ? { cookie: this.cookie } : {}) },
    });
    if (response.status !== 302) throw new Error(`GET ${url} answered ${response.status}, not 302`);
    const set = response.headers.getSetCookie().find((c) => c.startsWith('tp_vid='));
    if (set) this.cookie = set.split(';')[0];
    await response.arrayBuffer();
    return response.headers.get('location') ?? '';
  }
}

async function apiGet<T>(path: string): Promise<T> {
  const response = await fetch(`${rt.url}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Stats {
  totals: { clicks: number; scans: number; uniqueVisitors: number };
}
interface Funnel {
  stages: Array<{ stage: string; visitors: number; progressed: number }>;
}

describe('dashboard in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      missing =
        `Chromium is not installed at ${CHROMIUM}; the browser test needs it. ` +
        'Install it with: apt-get install -y chromium';
      return;
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    rt = await startLocalRuntime({
      port: await freePort(),
      dynamodbEndpoint: inject('dynamoEndpoint'),
      tableName: `dash_${Math.random().toString(36).slice(2, 10)}`,
      apiKey: API_KEY,
      batchingWindowMs: 100,
    });
    browser = await launchChromium();
    ({ page } = await newContext({ width: 1280, height: 900 }, false));
  });

  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
  });

  it('refuses a wrong key with the API message, then signs in with the key kept in session storage only', async () => {
    const p = ready();
    await signIn(p, 'not-a-real-key');
    const error = p.locator('#signin-error');
    await error.waitFor();
    expect(await text(p, '#signin-error')).toContain('The API key is not valid');
    expect(await p.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);

    await p.getByLabel('API key').fill(API_KEY);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Links', level: 1 }).waitFor();
    expect(await text(p, '#status')).toBe('Signed in.');
    expect(p.url()).not.toContain(API_KEY);
    const storage = await p.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: Object.keys(localStorage).length,
    }));
    expect(storage.session).toEqual([API_KEY]);
    expect(storage.local).toBe(0);
    await p.locator('#links-summary', { hasText: 'No links yet. Create one above.' }).waitFor();
  });

  it('creates links through the form, shows API errors, and lists and filters them', async () => {
    const p = ready();
    const form = p.locator('#create-form');
    // The form opens by itself while there are no links.
    await form.getByLabel('Destination URL').waitFor();
    await form.getByLabel('Destination URL').fill('https://shop.example/spring');
    await form.getByLabel('Touchpoint').fill('spring-poster');
    await form.getByLabel('Journey').selectOption('default');
    const stages = await form.getByLabel('Stage').locator('option').allTextContents();
    expect(stages).toEqual(['awareness', 'consideration', 'decision', 'retention', 'advocacy']);
    await form.getByLabel('Stage').selectOption('awareness');
    await form.getByLabel('Channel').fill('print');
    await form.getByLabel('Category').selectOption('physical');
    await form.getByLabel('Campaign', { exact: true }).fill('spring-26');
    await form.getByLabel('Tags').fill('spring, lobby');
    await form.getByLabel('Expires').fill('2031-06-30T18:00');
    await form.getByLabel('UTM source').fill('poster');
    await form.getByLabel('UTM medium').fill('print');
    // A reserved slug: the API's message is shown to the user.
    await form.getByLabel('Custom slug').fill('api');
    await form.getByRole('button', { name: 'Create link' }).click();
    await p.locator('#create-error').waitFor();
    expect(await text(p, '#create-error')).toContain("The slug 'api' is reserved; choose another.");
    expect(await lowContrast(p)).toEqual([]);

    await form.getByLabel('Custom slug').fill('spring-poster');
    await form.getByRole('button', { name: 'Create link' }).click();
    await p.locator('#create-result').waitFor();
    expect(await p.locator('#create-error').isHidden()).toBe(true);
    const shortUrl = `${rt.url}/spring-poster`;
    expect(await text(p, '#create-result')).toContain(
      `Created ${shortUrl} for touchpoint spring-poster (awareness)`,
    );
    await p.locator('#links-table tbody tr', { hasText: 'spring-poster' }).waitFor();

    // A second link, at a later stage of the journey.
    await form.getByLabel('Destination URL').fill('https://shop.example/compare');
    await form.getByLabel('Touchpoint').fill('compare-page');
    await form.getByLabel('Stage').selectOption('consideration');
    await form.getByLabel('Channel').fill('web');
    await form.getByLabel('Custom slug').fill('compare');
    await form.getByRole('button', { name: 'Create link' }).click();
    await p.locator('#links-table tbody tr', { hasText: 'compare-page' }).waitFor();

    const host = new URL(rt.url).host;
    const listed = await rows(p, '#links-table');
    expect(listed.map((r) => r.slice(0, 6))).toEqual([
      [`${host}/compare`, 'compare-page', 'consideration', '–', 'https://shop.example/compare', 'active'],
      [
        `${host}/spring-poster`,
        'spring-poster',
        'awareness',
        'spring-26',
        'https://shop.example/spring',
        'active',
      ],
    ]);
    expect(await text(p, '#links-summary')).toBe('Showing 2 links.');

    // Filters: by stage, then by tag.
    const filters = p.locator('#filter-form');
    await filters.getByLabel('Stage', { exact: true }).selectOption('awareness');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await p.waitForFunction(() => document.querySelectorAll('#links-table tbody tr').length === 1);
    expect((await rows(p, '#links-table'))[0]?.[1]).toBe('spring-poster');
    await filters.getByRole('button', { name: 'Clear' }).click();
    await p.waitForFunction(() => document.querySelectorAll('#links-table tbody tr').length === 2);
    await filters.getByLabel('Tag', { exact: true }).fill('lobby');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await p.waitForFunction(() => document.querySelectorAll('#links-table tbody tr').length === 1);
    expect((await rows(p, '#links-table'))[0]?.[1]).toBe('spring-poster');
    await filters.getByRole('button', { name: 'Clear' }).click();
    await p.waitForFunction(() => document.querySelectorAll('#links-table tbody tr').length === 2);

    const found = await apiGet<{ items: Array<{ id: string; touchpoint: string; shortUrl: string }> }>(
      '/api/links',
    );
    const byTouchpoint = Object.fromEntries(found.items.map((l) => [l.touchpoint, l]));
    links.poster = byTouchpoint['spring-poster'];
    links.compare = byTouchpoint['compare-page'];
    expect(links.poster?.shortUrl).toBe(shortUrl);
    await screenshot(p, 'dashboard-links.png');
  });

  it('edits the destination and downloads the QR code in brand colours as PNG and SVG', async () => {
    const p = ready();
    await p.locator('#links-table a', { hasText: 'spring-poster' }).click();
    await p.getByRole('heading', { name: 'spring-poster', level: 1 }).waitFor();
    const details = await text(p, '#link-details');
    expect(details).toContain('Expires 30 Jun 2031 18:00 UTC');
    expect(details).toContain('UTM utm_source=poster · utm_medium=print');

    // Edit the destination: printed codes keep their URL, the redirect goes to the new place.
    await p.locator('#edit-form').getByLabel('Destination URL').fill('https://shop.example/spring-sale');
    await p.getByRole('button', { name: 'Save destination' }).click();
    await p.locator('#link-destination', { hasText: 'https://shop.example/spring-sale' }).waitFor();
    expect(await text(p, '#status')).toContain('now leads to https://shop.example/spring-sale');

    // QR preview in brand colours, then downloads fetched with the key.
    await p.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#qr-image');
      return !!img?.src && img.complete && img.naturalWidth > 0;
    });
    const before = await p.locator('#qr-image').getAttribute('src');
    await p.getByLabel('Foreground').fill(BRAND);
    await p.getByLabel('Error correction').selectOption('Q');
    await p.getByLabel('Size (pixels)').fill('400');
    await p.waitForFunction((old) => {
      const img = document.querySelector<HTMLImageElement>('#qr-image');
      return !!img && img.src !== old && img.complete && img.naturalWidth > 0;
    }, before);
    expect(await p.locator('#qr-image').getAttribute('alt')).toBe(
      `QR code for ${links.poster!.shortUrl}?r=qr`,
    );
    expect(await text(p, '#qr-content')).toBe(`${links.poster!.shortUrl}?r=qr`);

    const png = await downloadOf(p, () => p.getByRole('button', { name: 'Download PNG' }).click());
    expect(png.name).toBe('spring-poster-qr.png');
    const image = PNG.sync.read(png.body);
    expect(image.width).toBe(400);
    expect(decodeQrPng(png.body)).toBe(`${links.poster!.shortUrl}?r=qr`);
    const brand = [0x1b, 0x3a, 0x8a];
    let brandPixels = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      if (image.data[i] === brand[0] && image.data[i + 1] === brand[1] && image.data[i + 2] === brand[2])
        brandPixels++;
    }
    expect(brandPixels).toBeGreaterThan(1000);

    const svg = await downloadOf(p, () => p.getByRole('button', { name: 'Download SVG' }).click());
    expect(svg.name).toBe('spring-poster-qr.svg');
    expect(svg.body.toString('utf8')).toMatch(/^<svg[\s\S]*1b3a8a[\s\S]*<\/svg>$/);

    // A colour pair a camera cannot read: the API refuses it and the dashboard says why.
    await p.getByLabel('Background').fill('#2a4a9a');
    await p.locator('#qr-error').waitFor();
    expect(await text(p, '#qr-error')).toContain('contrast ratio');
    await p.getByLabel('Background').fill('#ffffff');
    await p.locator('#qr-error').waitFor({ state: 'hidden' });
  });

  it('shows clicks and scans from the redirect in the chart, the touchpoint table and the funnel', async () => {
    const p = ready();
    const poster = links.poster!;
    const compare = links.compare!;
    // Thirty customers, each with a cookie jar of their own, at the same time.
    await Promise.all(
      Array.from({ length: VISITORS }, async (_, i) => {
        const visitor = new Visitor(i % 2 ? ANDROID : IPHONE);
        const location = await visitor.open(
          i < POSTER_CLICKERS ? poster.shortUrl : `${poster.shortUrl}?r=qr`,
        );
        // The edited destination, with the link's UTM parameters.
        expect(location).toBe('https://shop.example/spring-sale?utm_source=poster&utm_medium=print');
        if (i === 0) await visitor.open(poster.shortUrl);
        if (i < PROGRESSING) await visitor.open(compare.shortUrl);
      }),
    );

    // The stream poller aggregates within about a second; wait for the API before looking.
    await eventually(
      'the poster link stats',
      () => apiGet<Stats>(`/api/links/${poster.id}/stats`),
      (s) => s.totals.clicks === POSTER_CLICKS && s.totals.scans === POSTER_SCANS,
    );
    await eventually(
      'the funnel',
      () => apiGet<Funnel>('/api/journeys/default/funnel'),
      (f) => f.stages[0]?.visitors === VISITORS && f.stages[0]?.progressed === PROGRESSING,
    );

    // The link's chart, after a reload (the session survives it).
    await p.reload();
    await p.getByRole('heading', { name: 'spring-poster', level: 1 }).waitFor();
    await p.locator('#stats-chart svg').waitFor();
    const totals = await p.$$eval('#stats-totals li', (items) =>
      Object.fromEntries(
        items.map((li) => [
          li.querySelector('.total-label')?.textContent?.trim(),
          li.querySelector('.total-value')?.textContent?.trim(),
        ]),
      ),
    );
    expect(totals).toEqual({
      Clicks: String(POSTER_CLICKS),
      Scans: String(POSTER_SCANS),
      'Unique visitors': String(VISITORS),
      'Bot clicks (not counted)': '0',
    });
    expect(await text(p, '#stats-chart .chart-legend')).toBe(
      `Clicks: ${POSTER_CLICKS} Scans: ${POSTER_SCANS}`,
    );
    const chart = await svgText(p, '#stats-chart svg desc');
    expect(chart).toContain(`${POSTER_CLICKS} clicks and ${POSTER_SCANS} scans in the period`);
    const bars = await p.locator('#stats-chart svg .bar-group title').allTextContents();
    expect(bars.filter((t) => t.endsWith(`${POSTER_CLICKS} clicks, ${POSTER_SCANS} scans`))).toHaveLength(1);
    expect(bars.filter((t) => t.endsWith('0 clicks, 0 scans'))).toHaveLength(bars.length - 1);
    await p.getByText('Chart data as a table').click();
    const series = await rows(p, '#stats-table');
    await p.getByText('Chart data as a table').click();
    expect(series.filter((r) => r[1] !== '0' || r[2] !== '0').map((r) => r.slice(1))).toEqual([
      [String(POSTER_CLICKS), String(POSTER_SCANS)],
    ]);
    const breakdowns = await text(p, '#stats-breakdowns');
    expect(breakdowns).toContain(`Device mobile ${POSTER_CLICKS + POSTER_SCANS}`);
    // Even visitors have an iPhone, odd ones an Android phone; visitor 0 (iPhone) came twice.
    expect(breakdowns).toContain(`Operating system iOS ${VISITORS / 2 + 1} Android ${VISITORS / 2}`);

    const csv = await downloadOf(p, () => p.locator('#stats-csv').click());
    expect(csv.name).toBe(`link-${poster.id}-day.csv`);
    expect(csv.body.toString('utf8')).toMatch(/^t,clicks,scans\r\n/);
    expect(csv.body.toString('utf8')).toMatch(
      new RegExp(`T00:00:00\\.000Z,${POSTER_CLICKS},${POSTER_SCANS}\\r\\n`),
    );

    // An hourly view of the last 24 hours: the same numbers in one hour.
    const statsForm = p.locator('#stats-form');
    await statsForm.getByLabel('Period').selectOption('24h');
    await p.getByRole('button', { name: 'Refresh' }).click();
    await p.waitForFunction(
      () => document.querySelector('#stats-chart title')?.textContent === 'Clicks and scans per hour',
    );
    expect(await text(p, '#stats-chart .chart-legend')).toBe(
      `Clicks: ${POSTER_CLICKS} Scans: ${POSTER_SCANS}`,
    );
    // The API's own limits come back as messages: an hourly series spans at most 31 days.
    await statsForm.getByLabel('Period').selectOption('90d');
    await statsForm.getByLabel('Interval').selectOption('hour');
    await p.getByRole('button', { name: 'Refresh' }).click();
    await p.locator('#stats-error').waitFor();
    expect(await text(p, '#stats-error')).toContain(
      'An hourly series can span at most 31 days; use interval=day.',
    );
    await statsForm.getByLabel('Period').selectOption('30d');
    await statsForm.getByLabel('Interval').selectOption('auto');
    await p.getByRole('button', { name: 'Refresh' }).click();
    await p.locator('#stats-error').waitFor({ state: 'hidden' });
    const plain = await p.locator('#qr-image').getAttribute('src');
    await p.getByLabel('Foreground').fill(BRAND);
    await p.waitForFunction((old) => {
      const img = document.querySelector<HTMLImageElement>('#qr-image');
      return !!img && img.src !== old && img.complete && img.naturalWidth > 0;
    }, plain);
    await screenshot(p, 'dashboard-link.png');
    expect(await lowContrast(p)).toEqual([]);

    // The touchpoint table, sortable by its column headers.
    await p.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Touchpoints' }).click();
    await p.getByRole('heading', { name: 'Touchpoints', level: 1 }).waitFor();
    await p.locator('#touchpoints-table tbody tr', { hasText: 'spring-poster' }).waitFor();
    const share = (n: number) =>
      `${Math.round((n / (POSTER_CLICKS + POSTER_SCANS + PROGRESSING)) * 1000) / 10}%`;
    expect(await rows(p, '#touchpoints-table')).toEqual([
      [
        'spring-poster',
        'awareness',
        '1',
        String(POSTER_CLICKS),
        String(POSTER_SCANS),
        String(VISITORS),
        share(POSTER_CLICKS + POSTER_SCANS),
      ],
      [
        'compare-page',
        'consideration',
        '1',
        String(PROGRESSING),
        '0',
        String(PROGRESSING),
        share(PROGRESSING),
      ],
    ]);
    const header = (name: string) => p.locator('#touchpoints-table thead th', { hasText: name });
    await header('Clicks').getByRole('button').click();
    expect(await header('Clicks').getAttribute('aria-sort')).toBe('descending');
    expect((await rows(p, '#touchpoints-table')).map((r) => r[0])).toEqual(['spring-poster', 'compare-page']);
    await header('Clicks').getByRole('button').click();
    expect(await header('Clicks').getAttribute('aria-sort')).toBe('ascending');
    expect((await rows(p, '#touchpoints-table')).map((r) => r[0])).toEqual(['compare-page', 'spring-poster']);
    // With the keyboard: focus the Scans header button and press Enter.
    await header('Scans').getByRole('button').focus();
    await p.keyboard.press('Enter');
    expect(await header('Scans').getAttribute('aria-sort')).toBe('descending');
    expect(await header('Clicks').getAttribute('aria-sort')).toBeNull();
    expect((await rows(p, '#touchpoints-table')).map((r) => r[0])).toEqual(['spring-poster', 'compare-page']);
    const focused = await p.evaluate(() => document.activeElement?.textContent);
    expect(focused).toContain('Scans');
    const table = await downloadOf(p, () => p.locator('#touchpoints-csv').click());
    expect(table.name).toBe('touchpoints-default.csv');
    expect(table.body.toString('utf8')).toContain(
      'touchpoint,stage,links,clicks,scans,uniqueVisitors,share\r\n',
    );
    expect(table.body.toString('utf8')).toContain(
      `spring-poster,awareness,1,${POSTER_CLICKS},${POSTER_SCANS},${VISITORS},`,
    );
    await screenshot(p, 'dashboard-touchpoints.png');

    // The funnel: stages with visitors, the bottleneck highlighted with its message.
    await p.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Funnel' }).click();
    await p.getByRole('heading', { name: 'Journey funnel', level: 1 }).waitFor();
    await p.locator('#funnel-chart svg').waitFor();
    const stages = await rows(p, '#funnel-stages');
    expect(stages.map((r) => r.slice(0, 4))).toEqual([
      ['awareness Bottleneck', String(VISITORS), String(PROGRESSING), '16.7%'],
      ['consideration', String(PROGRESSING), '0', '0%'],
      ['decision', '0', '–', '–'],
      ['retention', '0', '–', '–'],
      ['advocacy', '0', '–', '–'],
    ]);
    const bottlenecks = await text(p, '#bottlenecks');
    expect(bottlenecks).toMatch(/weakest step · awareness/i);
    expect(bottlenecks).toContain(
      '17% of visitors who reach awareness go on to consideration or a later stage within 30 days.',
    );
    const funnelChart = await svgText(p, '#funnel-chart svg');
    expect(funnelChart).toContain('1. awareness');
    expect(funnelChart).toContain('⚠ Bottleneck');
    expect(funnelChart).toContain(`${VISITORS} visitors · ${PROGRESSING} went on (16.7%)`);
    expect(await svgText(p, '#funnel-chart svg desc')).toContain(
      `awareness: ${VISITORS} visitors, 16.7% went on (bottleneck)`,
    );
    expect((await rows(p, '#funnel-touchpoints')).map((r) => r.slice(0, 4))).toEqual([
      ['spring-poster', 'awareness', String(VISITORS), String(PROGRESSING)],
      ['compare-page', 'consideration', String(PROGRESSING), '0'],
    ]);
    const funnelCsv = await downloadOf(p, () => p.locator('#funnel-csv').click());
    expect(funnelCsv.name).toBe('funnel-default.csv');
    expect(funnelCsv.body.toString('utf8')).toMatch(/^section,stage,touchpoint,visitors,progressed,rate/);
    expect(funnelCsv.body.toString('utf8')).toContain('bottleneck:stage,awareness');
    // Bad input comes back from the API as a message.
    await p.getByLabel('Window in days').fill('365');
    await p.getByRole('button', { name: 'Show' }).click();
    await p.locator('#funnel-error').waitFor();
    expect(await text(p, '#funnel-error')).toMatch(/window/i);
    await p.getByLabel('Window in days').fill('30');
    await p.getByRole('button', { name: 'Show' }).click();
    await p.locator('#funnel-error').waitFor({ state: 'hidden' });
    await p.locator('#funnel-chart svg').waitFor();
    await screenshot(p, 'dashboard-funnel.png');
    expect(await lowContrast(p)).toEqual([]);

    expect(await unlabelled(p)).toEqual([]);
    expect(await unnamedControls(p)).toEqual([]);
  });

  it('works on a phone: no sideways scrolling, every view readable', async () => {
    ready();
    const { context, page: phone } = await newContext({ width: 390, height: 844 }, true);
    try {
      await signIn(phone, API_KEY);
      await phone.getByRole('heading', { name: 'Links', level: 1 }).waitFor();
      await phone.locator('#links-table tbody tr', { hasText: 'spring-poster' }).waitFor();
      expect(await pageWidth(phone)).toBeLessThanOrEqual(390);
      await phone.locator('#create-panel summary').click();
      expect(await pageWidth(phone)).toBeLessThanOrEqual(390);

      await phone.locator('#links-table a', { hasText: 'spring-poster' }).click();
      await phone.locator('#stats-chart svg').waitFor();
      expect(await text(phone, '#stats-chart .chart-legend')).toBe(
        `Clicks: ${POSTER_CLICKS} Scans: ${POSTER_SCANS}`,
      );
      expect(await pageWidth(phone)).toBeLessThanOrEqual(390);
      await screenshot(phone, 'dashboard-phone-link.png');
      // What fits on the screen: the link's numbers and chart.
      await phone.locator('#stats-title').evaluate((el) => el.closest('section')?.scrollIntoView());
      await phone.screenshot({ path: `${ARTIFACTS}dashboard-phone.png` });

      await phone.getByRole('link', { name: 'Touchpoints', exact: true }).click();
      await phone.locator('#touchpoints-table tbody tr', { hasText: 'spring-poster' }).waitFor();
      expect(await pageWidth(phone)).toBeLessThanOrEqual(390);
      await screenshot(phone, 'dashboard-phone-touchpoints.png');

      await phone.getByRole('link', { name: 'Funnel', exact: true }).click();
      await phone.locator('#funnel-chart svg').waitFor();
      expect(await text(phone, '#bottlenecks')).toContain('awareness');
      expect(await pageWidth(phone)).toBeLessThanOrEqual(390);
      await screenshot(phone, 'dashboard-phone-funnel.png');

      await phone.getByRole('link', { name: 'Attribution', exact: true }).click();
      await phone.locator('#attribution-chart svg').waitFor();
      expect(await pageWidth(phone)).toBeLessThanOrEqual(390);
      await screenshot(phone, 'dashboard-phone-attribution.png');
      expect(await lowContrast(phone)).toEqual([]);

      expect(await unlabelled(phone)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('is usable from the keyboard: skip link first, then the sections', async () => {
    const p = ready();
    await p.goto(`${rt.url}/dashboard#/links`);
    await p.reload();
    await p.getByRole('heading', { name: 'Links', level: 1 }).waitFor();
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await p.keyboard.press('Enter');
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('main');
    // Focus is visible: the focused control draws an outline.
    await p.locator('#filter-touchpoint').focus();
    await p.keyboard.press('Shift+Tab');
    await p.keyboard.press('Tab');
    const outline = await p.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
  });

  it('pages through a long list with "Load more", and offers the stages of the chosen journey', async () => {
    const p = ready();
    const put = await fetch(`${rt.url}/api/journeys/events`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stages: ['invited', 'registered', 'attended'] }),
    });
    expect(put.status).toBe(201);
    const bulk = await fetch(`${rt.url}/api/links/bulk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        links: Array.from({ length: 21 }, (_, i) => ({
          url: `https://events.example/${i}`,
          touchpoint: `invite-${i}`,
          journey: 'events',
          stage: 'invited',
        })),
      }),
    });
    expect(bulk.status).toBe(201);

    await p.goto(`${rt.url}/dashboard#/links`);
    await p.reload();
    await p.locator('#links-summary', { hasText: 'Showing 20 links; more are available.' }).waitFor();
    await p.getByRole('button', { name: 'Load more links' }).click();
    await p.locator('#links-summary', { hasText: 'Showing 23 links.' }).waitFor();
    expect(await p.getByRole('button', { name: 'Load more links' }).isHidden()).toBe(true);
    expect(await p.evaluate(() => document.activeElement?.textContent)).toMatch(/^localhost:\d+\//);

    const form = p.locator('#create-form');
    await p.locator('#create-panel summary').click();
    await form.getByLabel('Journey').selectOption('events');
    expect(await form.getByLabel('Stage').locator('option').allTextContents()).toEqual([
      'invited',
      'registered',
      'attended',
    ]);
    await form.getByLabel('Journey').selectOption('default');
  });

  it('archives a link and signs out, forgetting the key', async () => {
    const p = ready();
    await p.goto(`${rt.url}/dashboard#/link/${links.compare!.id}`);
    await p.getByRole('heading', { name: 'compare-page', level: 1 }).waitFor();
    await p.getByRole('button', { name: 'Archive link' }).click();
    await p.getByRole('button', { name: 'Yes, archive' }).click();
    await p.locator('#link-status', { hasText: 'archived' }).waitFor();
    expect(await text(p, '#status')).toContain(`Archived ${links.compare!.shortUrl}`);
    const stored = await apiGet<{ status: string }>(`/api/links/${links.compare!.id}`);
    expect(stored.status).toBe('archived');

    // The list shows active links by default; the archived one is under "Archived".
    await p.getByRole('link', { name: '← All links' }).click();
    const filters = p.locator('#filter-form');
    await filters.getByLabel('Journey').selectOption('default');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await p.waitForFunction(() => document.querySelectorAll('#links-table tbody tr').length === 1);
    expect((await rows(p, '#links-table'))[0]?.[1]).toBe('spring-poster');
    await filters.getByLabel('Status').selectOption('archived');
    await p.getByRole('button', { name: 'Apply filters' }).click();
    await p.locator('#links-table tbody tr', { hasText: 'compare-page' }).waitFor();
    expect((await rows(p, '#links-table')).map((r) => r[5])).toEqual(['archived']);

    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await p.evaluate(() => sessionStorage.length)).toBe(0);
    await p.reload();
    await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await p.locator('#links-table tbody tr').count()).toBe(0);
  });

  it('ran without script errors or Content-Security-Policy violations', () => {
    ready();
    expect(problems).toEqual([]);
  });
});
