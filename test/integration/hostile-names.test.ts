import { beforeAll, describe, expect, it, vi } from 'vitest';
import { recount } from '#aggregation/recount';
import { NAME_PATTERN } from '#shared/patterns';
import { setupApp } from '../support/app';
import { parseBody } from '../support/events';
import { pumpStream } from '../support/stream';

/**
 * Names a marketer chooses become keys in the aggregator's per-visitor state and in report maps. Every
 * accepted name that is also a property of `Object.prototype` (`constructor`, …) must be counted like
 * any other, must not stop the batch it is in (other links' clicks too), and `recount` must agree.
 */
const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];
/** The prototype names our name rules accept, as they are and lower-cased. */
const HOSTILE = [...new Set([...PROTOTYPE_NAMES, ...PROTOTYPE_NAMES.map((n) => n.toLowerCase())])].filter(
  (n) => NAME_PATTERN.test(n),
);

let app: Awaited<ReturnType<typeof setupApp>>;
const T0 = Date.parse('2026-10-01T08:00:00Z');

async function createLink(
  journey: string,
  touchpoint: string,
  stage: string,
): Promise<{ id: string; slug: string }> {
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: `https://brand.example/${touchpoint}`, touchpoint, stage, journey },
  });
  expect(res.statusCode, res.body).toBe(201);
  return parseBody<{ id: string; slug: string }>(res);
}

async function visit(slugs: string[], start: number) {
  let cookie: string | undefined;
  for (const [i, slug] of slugs.entries()) {
    vi.setSystemTime(start + i * 3_600_000);
    const res = await app.click(slug, { cookies: cookie ? [cookie] : undefined });
    expect(res.statusCode).toBe(302);
    cookie ??= res.cookies?.[0]?.split(';')[0];
  }
}

const unrelated: { id?: string } = {};

beforeAll(async () => {
  app = await setupApp();
  expect(HOSTILE).toContain('constructor');
  const other = await createLink('default', 'plain-poster', 'awareness');
  unrelated.id = other.id;
  vi.useFakeTimers({ toFake: ['Date'] });
  for (const [n, name] of HOSTILE.entries()) {
    // The name as journey, as stage and as touchpoint at once.
    const put = await app.api({
      method: 'PUT',
      path: `/api/journeys/${name}`,
      body: { stages: [name, 'later'] },
    });
    expect(put.statusCode, put.body).toBe(201);
    const first = await createLink(name, name, name);
    const later = await createLink(name, `${name}-next`, 'later');
    // A touchpoint with the name in the default journey too.
    const inDefault = await createLink('default', name, 'awareness');
    const start = T0 + n * 60_000;
    await visit([first.slug, later.slug], start);
    await visit([first.slug], start + 1000);
    await visit([inDefault.slug, other.slug], start + 2000);
  }
  // Clicks on the unrelated link in the same batches.
  for (let i = 0; i < 5; i++) await visit([other.slug], T0 + i * 1000 + 500);
  vi.useRealTimers();
  await pumpStream(undefined, 25);
});

describe('journey description', () => {
  it('is stored and returned, not silently dropped (issue 14)', async () => {
    const description = 'Spring launch: posters → pricing → checkout 🌷';
    const put = await app.api({
      method: 'PUT',
      path: '/api/journeys/spring-launch',
      body: { stages: ['seen', 'bought'], description },
    });
    expect(put.statusCode, put.body).toBe(201);
    expect(parseBody<{ description: string }>(put).description).toBe(description);
    const got = await app.api({ path: '/api/journeys/spring-launch' });
    expect(parseBody<{ description: string }>(got).description).toBe(description);
    const list = parseBody<{ journeys?: Array<{ name: string; description: string | null }> }>(
      await app.api({ path: '/api/journeys' }),
    );
    expect(JSON.stringify(list)).toContain(JSON.stringify(description).slice(1, -1));
  });
});

describe('names that are Object.prototype properties', () => {
  const period = { from: '2026-10-01', to: '2026-10-31' };

  it('counts every click on them and on other links in the same batches', async () => {
    const res = await app.api({ path: `/api/links/${unrelated.id}/stats`, query: period });
    expect(res.statusCode, res.body).toBe(200);
    const stats = parseBody<{ totals: { clicks: number; uniqueVisitors: number } }>(res);
    expect(stats.totals.clicks).toBe(5 + HOSTILE.length);
    expect(stats.totals.uniqueVisitors).toBe(5 + HOSTILE.length);
  });

  it('shows their visitors in the funnel and the touchpoint table', async () => {
    for (const name of HOSTILE) {
      const res = await app.api({ path: `/api/journeys/${name}/funnel`, query: period });
      expect(res.statusCode, res.body).toBe(200);
      const f = parseBody<{ stages: Array<{ stage: string; visitors: number; progressed: number }> }>(res);
      expect(f.stages[0]).toMatchObject({ stage: name, visitors: 2, progressed: 1 });
      expect(f.stages[1]).toMatchObject({ stage: 'later', visitors: 1 });
      const tps = await app.api({ path: '/api/touchpoints', query: { journey: 'default', ...period } });
      const rows = parseBody<{
        touchpoints: Array<{ touchpoint: string; clicks: number; uniqueVisitors: number }>;
      }>(tps);
      expect(rows.touchpoints.find((t) => t.touchpoint === name)).toMatchObject({
        clicks: 1,
        uniqueVisitors: 1,
      });
    }
  });

  it('recount agrees with the counters, with and without --repair', async () => {
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
    expect(await recount({ repair: true })).toMatchObject({
      differences: [],
      visitorDifferences: [],
      visitorsRepaired: 0,
    });
  });
});
