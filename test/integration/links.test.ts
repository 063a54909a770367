import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearLinkCache } from '#links/cache';
import { setupApp } from '../support/app';
import { parseBody } from '../support/events';
import { bodyOf, countItems, expectApiError, type Json, LINK_FIELDS } from '../support/inspect';

type App = Awaited<ReturnType<typeof setupApp>>;
type Link = Json;

let app: App;

async function create(body: Record<string, unknown>): Promise<Link> {
  const res = await app.api({ method: 'POST', path: '/api/links', body });
  expect(res.statusCode, res.body).toBe(201);
  return parseBody(res);
}

async function list(query: Record<string, string>) {
  const res = await app.api({ path: '/api/links', query });
  expect(res.statusCode, res.body).toBe(200);
  return parseBody<{ items: Link[]; nextCursor: string | null }>(res);
}

/** Follows nextCursor to the end; fails if a page repeats an item or the cursor loops. */
async function listAll(query: Record<string, string>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await list(cursor ? { ...query, cursor } : query);
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(Number(query.limit ?? 25));
    ids.push(...page.items.map((l) => l.id));
    cursor = page.nextCursor;
    expect(pages, 'pagination does not end').toBeLessThan(200);
  } while (cursor);
  return { ids, pages };
}

beforeAll(async () => {
  app = await setupApp();
});

beforeEach(() => {
  clearLinkCache();
});

describe('creating a link', () => {
  it('answers 201 with every Link field of the contract, short URL and QR content', async () => {
    const before = Date.now();
    const link = await create({
      url: 'https://shop.example/spring?ref=poster',
      touchpoint: 'spring-poster-lobby',
      stage: 'awareness',
    });
    for (const field of LINK_FIELDS) expect(link, `field ${field}`).toHaveProperty(field);
    expect(link.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(link.domain).toBe('tp.test');
    expect(link.shortUrl).toBe(`https://tp.test/${link.slug}`);
    expect(link.qrContent).toBe(`https://tp.test/${link.slug}?r=qr`);
    expect(link).toMatchObject({
      url: 'https://shop.example/spring?ref=poster',
      touchpoint: 'spring-poster-lobby',
      stage: 'awareness',
      journey: 'default',
      channel: null,
      category: null,
      campaign: null,
      tags: [],
      utm: {},
      expiresAt: null,
      maxClicks: null,
      fallbackUrl: null,
      trackConversions: false,
      status: 'active',
    });
    expect(Date.parse(link.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(link.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(link.updatedAt).toBe(link.createdAt);
    expect(link).not.toHaveProperty('exhaustedAt');
  });

  it('keeps every optional field as sent', async () => {
    const expiresAt = new Date(Date.now() + 30 * 86400_000).toISOString();
    const link = await create({
      url: 'https://shop.example/spring',
      touchpoint: 'Spring-Poster-Hall',
      stage: 'consideration',
      journey: 'default',
      channel: 'print',
      category: 'physical',
      campaign: 'Spring 2026',
      tags: ['poster', 'lobby', 'poster'],
      utm: { source: 'poster', medium: 'print', campaign: 'spring' },
      expiresAt,
      maxClicks: 500,
      fallbackUrl: 'https://shop.example/ended',
    });
    expect(link).toMatchObject({
      touchpoint: 'spring-poster-hall',
      channel: 'print',
      category: 'physical',
      campaign: 'Spring 2026',
      tags: ['poster', 'lobby'],
      utm: { source: 'poster', medium: 'print', campaign: 'spring' },
      expiresAt,
      maxClicks: 500,
      fallbackUrl: 'https://shop.example/ended',
    });
    const read = await app.api({ path: `/api/links/${link.id}` });
    expect(parseBody(read)).toEqual(link);
  });

  it('generates slugs without look-alike characters (0 O o 1 l I), all different', async () => {
    const slugs: string[] = [];
    for (let i = 0; i < 25; i++) {
      const link = await create({
        url: `https://shop.example/p/${i}`,
        touchpoint: 'slug-probe',
        stage: 'decision',
      });
      slugs.push(link.slug);
    }
    for (const slug of slugs) {
      expect(slug).toMatch(/^[A-Za-z0-9]{5,}$/);
      expect(slug).not.toMatch(/[0Oo1lI]/);
    }
    expect(new Set(slugs).size).toBe(slugs.length);
  });

  it('uses a custom slug as given', async () => {
    const link = await create({
      url: 'https://shop.example/a',
      touchpoint: 'custom-slug',
      stage: 'awareness',
      slug: 'Spring_Sale-26',
    });
    expect(link.slug).toBe('Spring_Sale-26');
    expect(link.shortUrl).toBe('https://tp.test/Spring_Sale-26');
    const res = await app.click('Spring_Sale-26');
    expect(res.statusCode).toBe(302);
    expect(res.headers?.location).toBe('https://shop.example/a');
  });

  it('refuses a taken slug with 409 and leaves the existing link alone', async () => {
    const first = await create({
      url: 'https://shop.example/first',
      touchpoint: 'taken',
      stage: 'awareness',
      slug: 'taken-1',
    });
    const items = await countItems();
    const res = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url: 'https://evil.example/second', touchpoint: 'taken', stage: 'awareness', slug: 'taken-1' },
    });
    expectApiError(res, 409, 'conflict');
    expect(await countItems()).toBe(items);
    const redirect = await app.click('taken-1');
    expect(redirect.headers?.location).toBe('https://shop.example/first');
    expect(parseBody(await app.api({ path: `/api/links/${first.id}` }))).toEqual(first);
  });

  it('reads a link by id, and answers 404 for an unknown id', async () => {
    const link = await create({
      url: 'https://shop.example/read',
      touchpoint: 'read-me',
      stage: 'retention',
    });
    const res = await app.api({ path: `/api/links/${link.id}` });
    expect(res.statusCode).toBe(200);
    expect(parseBody(res)).toEqual(link);
    expectApiError(await app.api({ path: '/api/links/doesnotexist0000' }), 404, 'not_found');
  });
});

describe('listing links', () => {
  const created: Link[] = [];
  const rare: string[] = [];

  beforeAll(async () => {
    // 120 links: journey stages cycle, one campaign on every third, the tag 'rare' on only four of them,
    // spread out so the filtered listing has to read several DynamoDB pages between matches.
    const specs = Array.from({ length: 120 }, (_, i) => ({
      url: `https://shop.example/list/${i}`,
      touchpoint: `list-tp-${i % 3}`, // a touchpoint serves one stage
      stage: ['awareness', 'consideration', 'decision'][i % 3],
      campaign: i % 3 === 0 ? 'autumn' : undefined,
      tags: [0, 37, 74, 111].includes(i) ? ['rare', 'listing'] : ['listing'],
    }));
    for (const chunk of [specs.slice(0, 100), specs.slice(100)]) {
      const res = await app.api({ method: 'POST', path: '/api/links/bulk', body: { links: chunk } });
      expect(res.statusCode, res.body).toBe(201);
      for (const r of parseBody<{ results: Array<{ link: Link }> }>(res).results) created.push(r.link);
    }
    for (const [i, link] of created.entries()) if ([0, 37, 74, 111].includes(i)) rare.push(link.id);
  });

  it('pages through every link exactly once, newest first, with limit and nextCursor', async () => {
    const { ids, pages } = await listAll({ tag: 'listing', limit: '7' });
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(120);
    expect(pages).toBeGreaterThanOrEqual(18);
    expect(new Set(ids)).toEqual(new Set(created.map((l) => l.id)));
    // Newest first: created in order, so the listing is the reverse.
    const all = (await list({ tag: 'listing', limit: '100' })).items;
    const createdAt = all.map((l) => l.createdAt);
    expect([...createdAt].sort().reverse()).toEqual(createdAt);
  });

  it('finds sparse matches across pages without duplicates or gaps (tag filter)', async () => {
    for (const limit of ['1', '2', '3', '100']) {
      const { ids } = await listAll({ tag: 'rare', limit });
      expect(ids.sort(), `limit ${limit}`).toEqual([...rare].sort());
    }
    const first = await list({ tag: 'rare', limit: '3' });
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).toEqual(expect.any(String));
  });

  it.each([
    ['journey', 'default', (l: Link) => l.journey === 'default'],
    ['stage', 'decision', (l: Link) => l.stage === 'decision'],
    ['touchpoint', 'list-tp-2', (l: Link) => l.touchpoint === 'list-tp-2'],
    ['campaign', 'autumn', (l: Link) => l.campaign === 'autumn'],
    ['tag', 'rare', (l: Link) => l.tags.includes('rare')],
  ])('filters by %s', async (name, value, matches) => {
    const { ids } = await listAll({ [name]: value, limit: '9' });
    expect(new Set(ids).size).toBe(ids.length);
    const expected = created.filter(matches).map((l) => l.id);
    // Other tests of this file create links too; the listing must include all of ours and only matches.
    for (const id of expected) expect(ids).toContain(id);
    const page = await list({ [name]: value, limit: '100' });
    for (const link of page.items)
      expect(matches(link), `${link.id} does not match ${name}=${value}`).toBe(true);
  });

  it('combines filters', async () => {
    const { ids } = await listAll({
      stage: 'awareness',
      campaign: 'autumn',
      touchpoint: 'list-tp-0',
      limit: '4',
    });
    const expected = created
      .filter((l) => l.stage === 'awareness' && l.campaign === 'autumn' && l.touchpoint === 'list-tp-0')
      .map((l) => l.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids.sort()).toEqual(expected.sort());
  });

  it('answers an empty page, not an error, when nothing matches', async () => {
    const page = await list({ tag: 'no-such-tag' });
    expect(page).toEqual({ items: [], nextCursor: null });
  });
});

describe('editing a link', () => {
  it('changes the destination: the short link then redirects to the new URL', async () => {
    const link = await create({
      url: 'https://shop.example/old',
      touchpoint: 'edit-dest',
      stage: 'decision',
    });
    expect((await app.click(link.slug)).headers?.location).toBe('https://shop.example/old');
    const res = await app.api({
      method: 'PATCH',
      path: `/api/links/${link.id}`,
      body: { url: 'https://shop.example/new' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const edited = parseBody<Link>(res);
    expect(edited.url).toBe('https://shop.example/new');
    expect(Date.parse(edited.updatedAt)).toBeGreaterThan(Date.parse(link.updatedAt));
    expect(edited.createdAt).toBe(link.createdAt);
    expect(edited.slug).toBe(link.slug);
    clearLinkCache(); // the redirect caches links for a few seconds by design
    const redirect = await app.click(link.slug);
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers?.location).toBe('https://shop.example/new');
    expect(parseBody<Link>(await app.api({ path: `/api/links/${link.id}` })).url).toBe(
      'https://shop.example/new',
    );
  });

  it('changing only the destination keeps the tags, UTM parameters and other fields', async () => {
    const link = await create({
      url: 'https://shop.example/keep',
      touchpoint: 'edit-keep',
      stage: 'decision',
      channel: 'email',
      campaign: 'newsletter',
      tags: ['keep-me'],
      utm: { source: 'newsletter', medium: 'email' },
    });
    const res = await app.api({
      method: 'PATCH',
      path: `/api/links/${link.id}`,
      body: { url: 'https://shop.example/kept' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { url: _u, updatedAt: _a, ...unchanged } = link;
    expect(parseBody(res)).toMatchObject(unchanged);
    const read = parseBody<Link>(await app.api({ path: `/api/links/${link.id}` }));
    expect(read.tags).toEqual(['keep-me']);
    expect(read.utm).toEqual({ source: 'newsletter', medium: 'email' });
    clearLinkCache();
    const location = new URL((await app.click(link.slug)).headers!.location!);
    expect(location.origin + location.pathname).toBe('https://shop.example/kept');
    expect(location.searchParams.get('utm_source')).toBe('newsletter');
  });

  it.each([
    ['slug', { slug: 'new-slug' }],
    ['domain', { domain: 'other.example' }],
    ['slug together with a destination', { slug: 'x2', url: 'https://shop.example/x' }],
  ])('refuses to change the %s (400) and changes nothing', async (_what, body) => {
    const link = await create({
      url: 'https://shop.example/fixed',
      touchpoint: 'edit-fixed',
      stage: 'awareness',
    });
    const res = await app.api({ method: 'PATCH', path: `/api/links/${link.id}`, body });
    expectApiError(res, 400, 'validation_error');
    expect(parseBody(await app.api({ path: `/api/links/${link.id}` }))).toEqual(link);
  });

  it('keeps a touchpoint at one stage: a second stage for it is a 409 and changes nothing', async () => {
    await create({ url: 'https://shop.example/one', touchpoint: 'one-stage-tp', stage: 'awareness' });
    const before = await countItems();
    const res = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url: 'https://shop.example/two', touchpoint: 'one-stage-tp', stage: 'decision' },
    });
    expectApiError(res, 409, 'conflict');
    expect(parseBody<{ error: { message: string } }>(res).error.message).toMatch(/one-stage-tp.*awareness/);
    expect(await countItems()).toBe(before);
  });

  it('refuses a stage that is not in the journey', async () => {
    const link = await create({
      url: 'https://shop.example/st',
      touchpoint: 'edit-stage',
      stage: 'awareness',
    });
    const res = await app.api({
      method: 'PATCH',
      path: `/api/links/${link.id}`,
      body: { stage: 'purchase' },
    });
    expectApiError(res, 400, 'validation_error');
    expect(parseBody<Link>(await app.api({ path: `/api/links/${link.id}` })).stage).toBe('awareness');
  });

  it('answers 404 for an unknown link', async () => {
    const res = await app.api({
      method: 'PATCH',
      path: '/api/links/nope',
      body: { url: 'https://shop.example/' },
    });
    expectApiError(res, 404, 'not_found');
  });

  it('applies edits of different fields made at the same moment, all of them (no If-Match)', async () => {
    const link = await create({
      url: 'https://shop.example/race',
      touchpoint: 'race-tp',
      stage: 'awareness',
    });
    const edits = [
      { campaign: 'autumn' },
      { tags: ['print'] },
      { channel: 'email' },
      { utm: { source: 'news' } },
      { fallbackUrl: 'https://shop.example/sold-out' },
      { maxClicks: 500 },
    ];
    const answers = await Promise.all(
      edits.map((body) => app.api({ method: 'PATCH', path: `/api/links/${link.id}`, body })),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(edits.map(() => 200));
    const stored = bodyOf(await app.api({ path: `/api/links/${link.id}` }));
    expect(stored).toMatchObject({
      campaign: 'autumn',
      tags: ['print'],
      channel: 'email',
      utm: { source: 'news' },
      fallbackUrl: 'https://shop.example/sold-out',
      maxClicks: 500,
    });
  });

  it('with If-Match, edits only the version read: 412 once someone else changed it', async () => {
    const link = await create({
      url: 'https://shop.example/etag',
      touchpoint: 'etag-tp',
      stage: 'awareness',
    });
    const read = await app.api({ path: `/api/links/${link.id}` });
    const etag = read.headers?.etag;
    expect(etag).toMatch(/^"[0-9a-z]+"$/);
    const mine = await app.api({
      method: 'PATCH',
      path: `/api/links/${link.id}`,
      headers: { 'if-match': etag! },
      body: { campaign: 'mine' },
    });
    expect(mine.statusCode).toBe(200);
    expect(mine.headers?.etag).not.toBe(etag);
    // A second client still holds the first version.
    const stale = await app.api({
      method: 'PATCH',
      path: `/api/links/${link.id}`,
      headers: { 'if-match': etag! },
      body: { campaign: 'theirs' },
    });
    expectApiError(stale, 412, 'precondition_failed');
    expect(bodyOf(await app.api({ path: `/api/links/${link.id}` })).campaign).toBe('mine');
    const archive = await app.api({
      method: 'DELETE',
      path: `/api/links/${link.id}`,
      headers: { 'if-match': etag! },
    });
    expectApiError(archive, 412, 'precondition_failed');
    expect(
      (
        await app.api({
          method: 'DELETE',
          path: `/api/links/${link.id}`,
          headers: { 'if-match': mine.headers!.etag! },
        })
      ).statusCode,
    ).toBe(204);
  });

  it('answers a create with Location and ETag', async () => {
    const res = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url: 'https://shop.example/loc', touchpoint: 'loc-tp', stage: 'awareness' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers?.location).toBe(`/api/links/${bodyOf(res).id}`);
    expect(res.headers?.etag).toMatch(/^"[0-9a-z]+"$/);
  });
});

describe('HTTP semantics of errors', () => {
  it('a 405 says which methods the path answers; a 401 how to authenticate', async () => {
    const res = await app.api({ method: 'PUT', path: '/api/links' });
    expectApiError(res, 405, 'method_not_allowed');
    expect(res.headers?.allow).toBe('GET, HEAD, POST');
    // HEAD is answered like GET, without a body.
    const head = await app.api({ method: 'HEAD', path: '/api/links' });
    expect(head.statusCode).toBe(200);
    expect(head.headers?.['content-type']).toMatch(/^application\/json/);
    expect(head.body).toBe('');
    const anonymous = await app.api({ path: '/api/links', key: '' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers?.['www-authenticate']).toMatch(/^Bearer /);
  });
});

describe('archiving a link', () => {
  it('answers 204; the link then reads as archived and its short URL answers 410', async () => {
    const link = await create({
      url: 'https://shop.example/arch',
      touchpoint: 'archive-me',
      stage: 'awareness',
    });
    expect((await app.click(link.slug)).statusCode).toBe(302);
    const res = await app.api({ method: 'DELETE', path: `/api/links/${link.id}` });
    expect(res.statusCode).toBe(204);
    expect(res.body ?? '').toBe('');
    expect(parseBody<Link>(await app.api({ path: `/api/links/${link.id}` })).status).toBe('archived');
    clearLinkCache();
    expectApiError(await app.click(link.slug), 410, 'gone');
    // Archiving again is harmless.
    expect((await app.api({ method: 'DELETE', path: `/api/links/${link.id}` })).statusCode).toBe(204);
  });

  it('sends visitors of an archived link with a fallback URL there (302)', async () => {
    const link = await create({
      url: 'https://shop.example/arch2',
      touchpoint: 'archive-fallback',
      stage: 'awareness',
      fallbackUrl: 'https://shop.example/see-you-next-year',
    });
    expect((await app.api({ method: 'DELETE', path: `/api/links/${link.id}` })).statusCode).toBe(204);
    clearLinkCache();
    const res = await app.click(link.slug);
    expect(res.statusCode).toBe(302);
    expect(res.headers?.location).toBe('https://shop.example/see-you-next-year');
  });

  it('can be re-activated with PATCH status active', async () => {
    const link = await create({
      url: 'https://shop.example/again',
      touchpoint: 'archive-again',
      stage: 'awareness',
    });
    await app.api({ method: 'DELETE', path: `/api/links/${link.id}` });
    const res = await app.api({ method: 'PATCH', path: `/api/links/${link.id}`, body: { status: 'active' } });
    expect(res.statusCode, res.body).toBe(200);
    clearLinkCache();
    expect((await app.click(link.slug)).headers?.location).toBe('https://shop.example/again');
  });

  it('answers 404 for an unknown link', async () => {
    expectApiError(await app.api({ method: 'DELETE', path: '/api/links/nope' }), 404, 'not_found');
  });
});

describe('bulk create', () => {
  it('creates each link on its own: results in order, one bad entry does not fail the others', async () => {
    const res = await app.api({
      method: 'POST',
      path: '/api/links/bulk',
      body: {
        links: [
          { url: 'https://shop.example/b0', touchpoint: 'bulk', stage: 'awareness' },
          { url: 'javascript:alert(1)', touchpoint: 'bulk', stage: 'awareness' },
          { url: 'https://shop.example/b2', touchpoint: 'bulk', stage: 'no-such-stage' },
          { url: 'https://shop.example/b3', touchpoint: 'bulk', stage: 'awareness', slug: 'bulk-dup' },
          { url: 'https://shop.example/b4', touchpoint: 'bulk', stage: 'awareness', slug: 'bulk-dup' },
          { url: 'https://shop.example/b5', touchpoint: 'bulk-decision', stage: 'decision' },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { results } = bodyOf<{
      results: Array<{ link?: Link; error?: { code: string; message: string } }>;
    }>(res);
    expect(results).toHaveLength(6);
    expect(results[0]!.link?.url).toBe('https://shop.example/b0');
    expect(results[1]!.error?.code).toBe('validation_error');
    expect(results[1]!.error?.message).toMatch(/url/);
    expect(results[2]!.error?.code).toBe('validation_error');
    expect(results[3]!.link?.slug).toBe('bulk-dup');
    expect(results[4]!.error?.code).toBe('conflict');
    expect(results[5]!.link?.url).toBe('https://shop.example/b5');
    for (const i of [0, 3, 5]) {
      const read = await app.api({ path: `/api/links/${results[i]!.link!.id}` });
      expect(read.statusCode).toBe(200);
    }
  });

  it('accepts 100 links', async () => {
    const links = Array.from({ length: 100 }, (_, i) => ({
      url: `https://shop.example/hundred/${i}`,
      touchpoint: 'bulk-hundred',
      stage: 'advocacy',
    }));
    const res = await app.api({ method: 'POST', path: '/api/links/bulk', body: { links } });
    expect(res.statusCode, res.body).toBe(201);
    const { results } = bodyOf<{ results: Array<{ link: Link }> }>(res);
    expect(results.map((r) => r.link.url)).toEqual(links.map((l) => l.url));
    expect(new Set(results.map((r) => r.link.slug)).size).toBe(100);
  });

  it('refuses 101 links with 400 and creates none', async () => {
    const links = Array.from({ length: 101 }, (_, i) => ({
      url: `https://shop.example/too-many/${i}`,
      touchpoint: 'bulk-too-many',
      stage: 'advocacy',
    }));
    const items = await countItems();
    const res = await app.api({ method: 'POST', path: '/api/links/bulk', body: { links } });
    expectApiError(res, 400, 'validation_error');
    expect(await countItems()).toBe(items);
  });
  it('answers a bulk create where every link fails with the error JSON and each result, creating none', async () => {
    const first = {
      url: 'https://shop.example/f0',
      touchpoint: 'bulk-fail',
      stage: 'awareness',
      slug: 'bulk-taken',
    };
    expect((await app.api({ method: 'POST', path: '/api/links', body: first })).statusCode).toBe(201);
    const items = await countItems();
    const mixed = await app.api({
      method: 'POST',
      path: '/api/links/bulk',
      body: {
        links: [
          { url: 'javascript:alert(1)', touchpoint: 'bulk-fail', stage: 'awareness' },
          { url: 'https://shop.example/f1', touchpoint: 'bulk-fail', stage: 'awareness', slug: 'bulk-taken' },
        ],
      },
    });
    expectApiError(mixed, 400, 'validation_error');
    const body = bodyOf<{
      error: { message: string };
      results: Array<{ error: { code: string } }>;
      created: number;
    }>(mixed);
    expect(body.error.message).toMatch(/None of the 2 links/);
    expect(body.results.map((r) => r.error.code)).toEqual(['validation_error', 'conflict']);
    expect(body.created).toBe(0);

    const taken = { ...first, url: 'https://shop.example/f2' };
    expectApiError(
      await app.api({ method: 'POST', path: '/api/links/bulk', body: { links: [taken, taken] } }),
      409,
      'conflict',
    );
    expect(await countItems()).toBe(items);
  });
});

describe('journeys', () => {
  it('a custom journey defined with PUT takes links at its own stages only', async () => {
    const put = await app.api({
      method: 'PUT',
      path: '/api/journeys/b2b',
      body: { stages: ['awareness', 'research', 'purchase', 'support'] },
    });
    expect(put.statusCode, put.body).toBe(201);
    expect(put.headers?.location).toBe('/api/journeys/b2b');
    expect(parseBody(put)).toMatchObject({
      name: 'b2b',
      stages: ['awareness', 'research', 'purchase', 'support'],
    });
    // The same PUT again redefines it: 200.
    const again = await app.api({
      method: 'PUT',
      path: '/api/journeys/b2b',
      body: { stages: ['awareness', 'research', 'purchase', 'support'] },
    });
    expect(again.statusCode, again.body).toBe(200);

    const read = parseBody(await app.api({ path: '/api/journeys/b2b' }));
    expect(read).toMatchObject({ name: 'b2b', stages: ['awareness', 'research', 'purchase', 'support'] });
    const names = parseBody<{ items: Array<{ name: string }> }>(
      await app.api({ path: '/api/journeys' }),
    ).items.map((j) => j.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'b2b']));

    const link = await create({
      url: 'https://shop.example/whitepaper',
      touchpoint: 'whitepaper-download',
      stage: 'research',
      journey: 'b2b',
    });
    expect(link).toMatchObject({ journey: 'b2b', stage: 'research' });

    const items = await countItems();
    const wrong = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url: 'https://shop.example/x', touchpoint: 'wrong-stage', stage: 'decision', journey: 'b2b' },
    });
    expectApiError(wrong, 400, 'validation_error');
    expect(bodyOf(wrong).error.message).toMatch(/decision/);
    const unknown = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url: 'https://shop.example/x', touchpoint: 'no-journey', stage: 'awareness', journey: 'nope' },
    });
    expectApiError(unknown, 400, 'validation_error');
    expect(await countItems()).toBe(items);
  });

  it('refuses to remove a stage that active links still use (409)', async () => {
    await app.api({
      method: 'PUT',
      path: '/api/journeys/events',
      body: { stages: ['invite', 'attend', 'follow-up'] },
    });
    await create({ url: 'https://shop.example/ev', touchpoint: 'booth', stage: 'attend', journey: 'events' });
    const res = await app.api({
      method: 'PUT',
      path: '/api/journeys/events',
      body: { stages: ['invite', 'follow-up'] },
    });
    expectApiError(res, 409, 'conflict');
    expect(parseBody(await app.api({ path: '/api/journeys/events' }))).toMatchObject({
      stages: ['invite', 'attend', 'follow-up'],
    });
  });

  it('answers 404 for an unknown journey', async () => {
    expectApiError(await app.api({ path: '/api/journeys/unknown-journey' }), 404, 'not_found');
  });
});
