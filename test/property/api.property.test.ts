import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { recount } from '#aggregation/recount';
import type { HttpResult } from '#shared/http';
import { NAME_PATTERN } from '#shared/patterns';
import { setupApp } from '../support/app';
import { bodyOf, countItems } from '../support/inspect';
import { pumpStream } from '../support/stream';

/**
 * Issue 14: generated input against the real API and redirect on DynamoDB Local. Whatever is sent, the
 * answer is a 2xx (3xx for the redirect) or a 4xx with the error JSON, never a 5xx; a 4xx stores
 * nothing; what is accepted reads back exactly (trimmed; names lower-cased); every click on an accepted
 * name is counted, and `recount` agrees with the counters.
 */
let app: Awaited<ReturnType<typeof setupApp>>;

const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];
const STRAY = [
  '\u0000',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u202e',
  '\u2066',
  '\u2028',
  '\ud800',
];
const REAL = ['حراج‌بهاره', '👩‍💻', 'מבצע\u200f 2026', 'Frühling', 'naïve café', '春のセール'];

const name = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES, ...PROTOTYPE_NAMES.map((n) => n.toLowerCase())),
  fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}[a-z0-9]$/),
  fc.string({ maxLength: 90 }),
  fc.constantFrom(' Spaced ', 'UPPER', 'a'.repeat(81), '', '.dot', 'dash-'),
);
/** Names the rules accept, with every accepted `Object.prototype` property name among them. */
const acceptedName = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES.map((n) => n.toLowerCase()).filter((n) => NAME_PATTERN.test(n))),
  fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}[a-z0-9]$/),
  fc.constantFrom(' Spaced ', 'UPPER'),
);
const text = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(...REAL, ...STRAY, '\u200b', '   ', 'x'.repeat(101)),
  fc.tuple(fc.constantFrom(...REAL), fc.constantFrom(...STRAY)).map(([a, b]) => a + b + a),
);
const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.tuple(fc.webUrl(), fc.constantFrom(...STRAY, ' ', 'ü', '%')).map(([u, c]) => `${u}/a${c}b`),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('javascript:alert(1)', 'ftp://x.example/', 'https://', 'https://shop.example/ürün'),
);

/** What no accepted value may contain (issue 14, item 4), written independently of the code's own rule. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\p{Cs}/u;

function expectNoServerError(res: HttpResult, what: string): void {
  const status = res.statusCode ?? 0;
  expect(status, `${what}: ${res.body}`).toBeGreaterThanOrEqual(200);
  expect(status, `${what}: ${res.body}`).toBeLessThan(500);
  if (status >= 400) {
    const error = bodyOf(res).error;
    expect(typeof error?.code, `${what}: error JSON`).toBe('string');
    expect(typeof error?.message, `${what}: error JSON`).toBe('string');
  }
}

beforeAll(async () => {
  app = await setupApp();
});

describe('generated links', () => {
  it('are created and read back exactly, or refused with a 4xx that stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          url,
          touchpoint: name,
          journey: name,
          stage: name,
          campaign: fc.option(text, { nil: undefined }),
          tags: fc.array(text, { maxLength: 3 }),
          source: fc.option(text, { nil: undefined }),
        }),
        async (input) => {
          // The journey must exist with the stage; that request is itself generated input.
          const put = await app.api({
            method: 'PUT',
            path: `/api/journeys/${encodeURIComponent(input.journey)}`,
            body: { stages: [input.stage], description: input.campaign },
          });
          expectNoServerError(put, 'PUT journey');
          const body = {
            url: input.url,
            touchpoint: input.touchpoint,
            journey: input.journey,
            stage: input.stage,
            campaign: input.campaign,
            tags: input.tags,
            utm: input.source === undefined ? {} : { source: input.source },
          };
          const before = await countItems();
          const res = await app.api({ method: 'POST', path: '/api/links', body });
          expectNoServerError(res, 'POST link');
          const sent = [input.url, input.campaign ?? '', ...input.tags, input.source ?? ''].map((v) =>
            v.trim(),
          );
          if (sent.some((v) => FORBIDDEN.test(v))) {
            expect(res.statusCode, `stray characters must be refused: ${res.body}`).toBe(400);
          }
          if (res.statusCode !== 201) {
            expect(await countItems(), 'a refused link stores nothing').toBe(before);
            return;
          }
          const read = bodyOf(await app.api({ path: `/api/links/${bodyOf(res).id}` }));
          expect(read.url).toBe(input.url.trim());
          expect(read.touchpoint).toBe(input.touchpoint.trim().toLowerCase());
          expect(read.campaign).toBe(input.campaign?.trim() ?? null);
          expect(read.tags).toEqual([...new Set(input.tags.map((t) => t.trim()))]);
          expect(read.utm.source).toBe(input.source?.trim());
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('generated query strings and cursors', () => {
  const query = fc.dictionary(
    fc.constantFrom(
      'limit',
      'cursor',
      'journey',
      'stage',
      'touchpoint',
      'tag',
      'status',
      'campaign',
      'extra',
    ),
    fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('0x10', '1e1', '-1', '100', '0', ' 5', '+5', '101'),
      fc.json().map((j) => Buffer.from(j).toString('base64url')),
      fc
        .record({ pk: fc.string(), sk: fc.string(), gsi1pk: fc.string(), gsi1sk: fc.string() })
        .map((c) => Buffer.from(JSON.stringify(c)).toString('base64url')),
    ),
    { maxKeys: 4 },
  );

  it('list links: a page or a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        expectNoServerError(
          await app.api({ path: '/api/links', query: q }),
          `GET /api/links?${new URLSearchParams(q)}`,
        );
      }),
      { numRuns: 80 },
    );
  });

  it('reports (stats, touchpoints, funnel, attribution): a report or a 4xx, never a 5xx', async () => {
    const report = fc.dictionary(
      fc.constantFrom(
        'from',
        'to',
        'window',
        'granularity',
        'journey',
        'stage',
        'format',
        'limit',
        'event',
        'model',
        'lookback',
      ),
      fc.oneof(
        fc.string({ maxLength: 25 }),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constantFrom(
          'hour',
          'day',
          'week',
          'csv',
          '1e1',
          '0x10',
          '2026-13-40',
          '7',
          'linear',
          '__proto__',
        ),
      ),
      { maxKeys: 4 },
    );
    const path = fc.constantFrom(
      '/api/touchpoints',
      '/api/journeys/default/funnel',
      '/api/journeys/constructor/funnel',
      '/api/journeys/default/attribution',
      '/api/journeys/constructor/attribution',
    );
    await fc.assert(
      fc.asyncProperty(path, report, async (p, q) => {
        expectNoServerError(await app.api({ path: p, query: q }), `GET ${p}?${new URLSearchParams(q)}`);
      }),
      { numRuns: 80 },
    );
  });

  it('the redirect: a 302 or a 4xx with the error JSON, never a 5xx, for any slug and query', async () => {
    const created = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url: 'https://shop.example/q', touchpoint: 'query-tp', stage: 'awareness', slug: 'prop-q' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const slug = fc.oneof(fc.constant('prop-q'), fc.string({ maxLength: 70 }));
    const q = fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(slug, q, async (s, query) => {
        const res = await app.click(s, { query, method: 'HEAD' });
        if (res.statusCode !== 302) expectNoServerError(res, `/${s}?${new URLSearchParams(query)}`);
      }),
      { numRuns: 80 },
    );
  });
});

describe('clicks on generated names', () => {
  it('are all counted, and recount agrees', async () => {
    const accepted: { id: string; clicks: number }[] = [];
    await fc.assert(
      fc.asyncProperty(
        acceptedName,
        acceptedName,
        acceptedName,
        fc.integer({ min: 1, max: 3 }),
        async (journey, touchpoint, stage, clicks) => {
          // The journey gets the stage added to whatever stages earlier runs gave it.
          const path = `/api/journeys/${journey.trim().toLowerCase()}`;
          const existing = await app.api({ path });
          const stages: string[] = existing.statusCode === 200 ? bodyOf(existing).stages : [];
          if (!stages.includes(stage.trim().toLowerCase())) stages.push(stage);
          const put = await app.api({ method: 'PUT', path, body: { stages } });
          // 201 for a journey that did not exist, 200 for a redefinition.
          expect(put.statusCode, put.body).toBe(existing.statusCode === 200 ? 200 : 201);
          const create = (atStage: string) =>
            app.api({
              method: 'POST',
              path: '/api/links',
              body: { url: 'https://shop.example/named', touchpoint, stage: atStage, journey },
            });
          let res = await create(stage);
          // A touchpoint serves one stage per journey: take the one the 409 names, as a user would.
          if (res.statusCode === 409) res = await create(bodyOf(res).error.details.stage);
          expect(res.statusCode, res.body).toBe(201);
          const link = bodyOf(res);
          for (let i = 0; i < clicks; i++) expect((await app.click(link.slug)).statusCode).toBe(302);
          accepted.push({ id: link.id, clicks });
        },
      ),
      { numRuns: 25 },
    );
    expect(accepted.length, 'the generated names were accepted').toBe(25);
    await pumpStream(undefined, 7);
    for (const { id, clicks } of accepted) {
      const stats = bodyOf(await app.api({ path: `/api/links/${id}/stats` }));
      expect(stats.totals.clicks, `link ${id}`).toBe(clicks);
    }
    expect((await recount()).differences).toEqual([]);
  });
});
