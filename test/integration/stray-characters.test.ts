import { beforeAll, describe, expect, it } from 'vitest';
import { setupApp } from '../support/app';
import type { RequestOptions } from '../support/events';
import { bodyOf, countItems, expectApiError } from '../support/inspect';

/**
 * Issue 14, item 4: URLs and free text with control characters, bidi overrides or nothing visible are
 * refused with a 400 that names the field, and nothing is stored; real text (Persian with ZWNJ, emoji
 * joined with ZWJ, RTL marks) is accepted and read back exactly as sent.
 */
type App = Awaited<ReturnType<typeof setupApp>>;
let app: App;
let linkId: string;

const GOOD = { url: 'https://shop.example/product', touchpoint: 'stray-tp', stage: 'awareness' };

const STRAY = {
  NUL: '\u0000',
  TAB: '\t',
  LF: '\n',
  CR: '\r',
  ESC: '\u001b',
  DEL: '\u007f',
  'C1 NEL': '\u0085',
  'RTL override': '\u202e',
  'LTR embedding': '\u202a',
  'first-strong isolate': '\u2068',
  'pop isolate': '\u2069',
  'line separator': '\u2028',
  'lone surrogate': '\ud800',
};

const INVISIBLE = {
  'zero-width space only': '\u200b',
  'ZWJ only': '\u200d\u200d',
  'Hangul filler only': '\u3164',
  'word joiner and BOM only': '\u2060\ufeff',
};

/** Each free-text field, with the request that sets it to `value`. */
const FIELDS: Record<string, (value: string) => RequestOptions> = {
  url: (v) => ({ method: 'POST', path: '/api/links', body: { ...GOOD, url: `https://shop.example/a${v}b` } }),
  fallbackUrl: (v) => ({
    method: 'POST',
    path: '/api/links',
    body: { ...GOOD, fallbackUrl: `https://shop.example/sold${v}out` },
  }),
  'url (edit)': (v) => ({
    method: 'PATCH',
    path: `/api/links/${linkId}`,
    body: { url: `https://a.example/x${v}y` },
  }),
  campaign: (v) => ({ method: 'POST', path: '/api/links', body: { ...GOOD, campaign: `spring${v}sale` } }),
  tags: (v) => ({ method: 'POST', path: '/api/links', body: { ...GOOD, tags: ['ok', `x${v}y`] } }),
  'utm.source': (v) => ({
    method: 'POST',
    path: '/api/links',
    body: { ...GOOD, utm: { source: `news${v}letter` } },
  }),
  'campaign (edit)': (v) => ({ method: 'PATCH', path: `/api/links/${linkId}`, body: { campaign: `c${v}d` } }),
  'key name': (v) => ({ method: 'POST', path: '/api/keys', body: { name: `ci${v}bot`, role: 'viewer' } }),
  'journey description': (v) => ({
    method: 'PUT',
    path: '/api/journeys/stray',
    body: { stages: ['a', 'b'], description: `first${v}second` },
  }),
};
/** Fields whose whole value can be invisible (URLs cannot be). */
const TEXT_ONLY = {
  campaign: (v: string) =>
    FIELDS.campaign!(v).body && { method: 'POST', path: '/api/links', body: { ...GOOD, campaign: v } },
  tags: (v: string) => ({ method: 'POST', path: '/api/links', body: { ...GOOD, tags: [v] } }),
  'utm.term': (v: string) => ({ method: 'POST', path: '/api/links', body: { ...GOOD, utm: { term: v } } }),
  'key name': (v: string) => ({ method: 'POST', path: '/api/keys', body: { name: v, role: 'viewer' } }),
};

beforeAll(async () => {
  app = await setupApp();
  const created = await app.api({ method: 'POST', path: '/api/links', body: GOOD });
  expect(created.statusCode).toBe(201);
  linkId = bodyOf(created).id;
});

async function expectRefused(request: RequestOptions, field: string): Promise<void> {
  const before = await countItems();
  const res = await app.api(request);
  expectApiError(res, 400, 'validation_error');
  const { error } = bodyOf(res);
  const named = field
    .replace(/ \(edit\)$/, '')
    .split('.')
    .at(-1)!
    .split(' ')[0]!;
  expect(JSON.stringify(error), 'the error names the field').toContain(named);
  expect(await countItems(), 'nothing is stored').toBe(before);
}

describe('control and bidi characters are refused in every URL and free-text field', () => {
  // A description may span lines (LF); it is the one multi-line field.
  const cases = Object.keys(FIELDS).flatMap((field) =>
    Object.keys(STRAY)
      .filter((what) => !(field === 'journey description' && what === 'LF'))
      .map((what) => [field, what] as const),
  );
  it.each(cases)('%s with %s', async (field, what) => {
    // Built inside the test: the edit cases need the link created in beforeAll.
    await expectRefused(FIELDS[field]!(STRAY[what as keyof typeof STRAY]), field);
  });
});

describe('text that shows nothing is refused', () => {
  const cases = Object.entries(TEXT_ONLY).flatMap(([field, request]) =>
    Object.entries(INVISIBLE).map(
      ([what, value]) => [field, what, request(value) as RequestOptions] as const,
    ),
  );
  it.each(cases)('%s: %s', async (field, _what, request) => {
    await expectRefused(request, field);
  });

  it('refuses spaces inside a URL (they must be sent encoded)', async () => {
    await expectRefused(
      { method: 'POST', path: '/api/links', body: { ...GOOD, url: 'https://shop.example/a b' } },
      'url',
    );
  });
});

describe('real text is accepted and read back exactly', () => {
  const persian = 'حراج‌بهاره'; // "spring sale" with a ZWNJ inside the word
  const coder = '👩‍💻 launch'; // woman technologist: an emoji joined by ZWJ
  const hebrewMark = 'מבצע\u200f 2026'; // RLM mark between RTL and a number

  it('keeps ZWNJ, ZWJ and RLM in campaign, tags, UTM values and the journey description', async () => {
    const created = await app.api({
      method: 'POST',
      path: '/api/links',
      body: {
        ...GOOD,
        campaign: persian,
        tags: [coder, hebrewMark],
        utm: { source: persian, content: coder },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const read = bodyOf(await app.api({ path: `/api/links/${bodyOf(created).id}` }));
    expect(read.campaign).toBe(persian);
    expect(read.tags).toEqual([coder, hebrewMark]);
    expect(read.utm).toEqual({ source: persian, content: coder });

    const description = `${persian}\n${coder}`;
    const put = await app.api({
      method: 'PUT',
      path: '/api/journeys/real-text',
      body: { stages: ['a'], description },
    });
    expect(put.statusCode, put.body).toBe(201);
    expect(bodyOf(await app.api({ path: '/api/journeys/real-text' })).description).toBe(description);
  });

  it('redirects an archived link to a non-ASCII fallback URL, percent-encoded (was a 500)', async () => {
    const created = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { ...GOOD, slug: 'stray-fallback', fallbackUrl: 'https://shop.example/ürün/şimdi?q=çok' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(bodyOf(created).fallbackUrl).toBe('https://shop.example/ürün/şimdi?q=çok');
    const archived = await app.api({ method: 'DELETE', path: `/api/links/${bodyOf(created).id}` });
    expect(archived.statusCode).toBe(204);
    const res = await app.click('stray-fallback');
    expect(res.statusCode).toBe(302);
    expect(res.headers?.location).toBe('https://shop.example/%C3%BCr%C3%BCn/%C5%9Fimdi?q=%C3%A7ok');
  });
});
