import { beforeAll, describe, expect, it } from 'vitest';
import { setupApp } from '../support/app';
import type { RequestOptions } from '../support/events';
import { bodyOf, countItems, expectApiError } from '../support/inspect';

/**
 * Issue 2, item 7: bad input gets the right 4xx with the error JSON of the design, never a 500 or a
 * stack trace, and stores nothing.
 */
type App = Awaited<ReturnType<typeof setupApp>>;

let app: App;
let linkId: string;
let viewerKey: string;
let editorKey: string;

const GOOD = { url: 'https://shop.example/product', touchpoint: 'valid-tp', stage: 'awareness' };
const link = (overrides: Record<string, unknown>) => ({ ...GOOD, ...overrides });
const post = (body: unknown): RequestOptions => ({ method: 'POST', path: '/api/links', body });
const raw = (rawBody: string, contentType?: string): RequestOptions => ({
  method: 'POST',
  path: '/api/links',
  rawBody,
  headers: contentType ? { 'content-type': contentType } : {},
});

interface Case {
  name: string;
  /** Built lazily: some cases need the link or the keys created in beforeAll. */
  request: () => RequestOptions;
  status: number | number[];
  code: string;
  /** A word the message should mention, so a person knows what to fix. */
  mentions?: RegExp;
}

const bigBody = JSON.stringify(link({ campaign: 'x', padding: 'y'.repeat(300 * 1024) }));

const CASES: Case[] = [
  // Body format
  {
    name: 'malformed JSON',
    request: () => raw('{"url": "https://a.example", ', 'application/json'),
    status: 400,
    code: 'validation_error',
    mentions: /JSON/,
  },
  { name: 'empty body', request: () => raw('', 'application/json'), status: 400, code: 'validation_error' },
  {
    // What a gateway passes on for bytes that were not UTF-8: U+FFFD in their place. Stored, two different
    // order ids or campaigns would become the same one.
    name: 'a body that was not UTF-8 (U+FFFD where the bytes were)',
    request: () => raw(JSON.stringify(link({ campaign: 'spring-\uFFFD\uFFFD' })), 'application/json'),
    status: 400,
    code: 'validation_error',
    mentions: /UTF-8/,
  },
  {
    name: 'a compressed body (Content-Encoding: gzip)',
    request: () => ({
      ...raw(JSON.stringify(GOOD), 'application/json'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    }),
    status: 415,
    code: 'unsupported_media_type',
    mentions: /gzip/,
  },
  {
    name: 'JSON in another charset',
    request: () => raw(JSON.stringify(GOOD), 'application/json; charset=utf-16'),
    status: 415,
    code: 'unsupported_media_type',
    mentions: /UTF-8/,
  },
  {
    name: 'JSON that V8 cannot read quotes no bytes of the body back',
    request: () => raw('\u001f\u008b\u0008garbage', 'application/json'),
    status: 400,
    code: 'validation_error',
    mentions: /^The request body is not valid JSON: unexpected character U\+001F$/,
  },
  {
    name: 'a long binary body that is not JSON: no bytes of it quoted back',
    request: () => raw(`\u001f\u008b\u0008${'\u00ff'.repeat(40)}secret-looking-bytes`, 'application/json'),
    status: 400,
    code: 'validation_error',
    mentions: /^The request body is not valid JSON: unexpected character U\+001F$/,
  },
  {
    name: 'a body cut short',
    request: () => raw('{"url": "https://a.example", "touchpoint": "tp", "stage": "aw', 'application/json'),
    status: 400,
    code: 'validation_error',
    mentions: /^The request body is not valid JSON: (?!.*a\.example)/,
  },
  {
    name: 'JSON that is not an object (array)',
    request: () => raw('[1,2]', 'application/json'),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'JSON null',
    request: () => raw('null', 'application/json'),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'text/plain body',
    request: () => raw(JSON.stringify(GOOD), 'text/plain'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'form-encoded body',
    request: () => raw('url=https://a.example', 'application/x-www-form-urlencoded'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'no content type',
    request: () => raw(JSON.stringify(GOOD)),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'body over 256 KB',
    request: () => raw(bigBody, 'application/json'),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'body over 256 KB sent as base64',
    request: () => ({ ...raw(Buffer.from(bigBody).toString('base64'), 'application/json') }),
    status: 413,
    code: 'payload_too_large',
  },
  // Destination URLs
  {
    name: 'javascript: URL',
    request: () => post(link({ url: 'javascript:alert(document.cookie)' })),
    status: 400,
    code: 'validation_error',
    mentions: /url/,
  },
  {
    name: 'JavaScript: URL in capitals',
    request: () => post(link({ url: 'JaVaScRiPt:alert(1)' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'data: URL',
    request: () => post(link({ url: 'data:text/html,<script>alert(1)</script>' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'relative URL',
    request: () => post(link({ url: '/products/1' })),
    status: 400,
    code: 'validation_error',
    mentions: /url/,
  },
  {
    name: 'scheme-relative URL',
    request: () => post(link({ url: '//shop.example/x' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'ftp URL',
    request: () => post(link({ url: 'ftp://files.example/a.pdf' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'URL without host',
    request: () => post(link({ url: 'https://' })),
    status: 400,
    code: 'validation_error',
  },
  {
    // Browsers read https:\\evil.example as https://evil.example: stored, it would look like another link.
    name: 'a destination with backslashes for slashes',
    request: () => post(link({ url: 'https:\\\\evil.example/x' })),
    status: 400,
    code: 'validation_error',
    mentions: /backslash/,
  },
  {
    name: 'a destination with one slash after the scheme',
    request: () => post(link({ url: 'https:/evil.example/x' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'UTM settings that contradict the destination URL',
    request: () => post(link({ url: 'https://shop.example/?utm_source=x', utm: { source: 'y' } })),
    status: 400,
    code: 'validation_error',
    mentions: /utm_source=x/,
  },
  {
    name: 'URL over 2,048 characters',
    request: () => post(link({ url: `https://shop.example/${'a'.repeat(2100)}` })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'URL pointing back at the short domain',
    request: () => post(link({ url: 'https://tp.test/x' })),
    status: 400,
    code: 'validation_error',
    mentions: /tp\.test|short/,
  },
  {
    name: 'URL pointing back at the short domain over http',
    request: () => post(link({ url: 'http://tp.test/x' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'URL pointing back at the short domain in capitals',
    request: () => post(link({ url: 'HTTPS://TP.TEST/abc' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'URL pointing back at the short domain with a port',
    request: () => post(link({ url: 'https://tp.test:443/x' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'URL pointing back at the short domain with user info',
    request: () => post(link({ url: 'https://me@tp.test/x' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'URL pointing back at the short domain as a fully qualified name (trailing dot)',
    request: () => post(link({ url: 'https://tp.test./x' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'fallback URL pointing back at the short domain',
    request: () => post(link({ fallbackUrl: 'https://tp.test/other' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'javascript: fallback URL',
    request: () => post(link({ fallbackUrl: 'javascript:alert(1)' })),
    status: 400,
    code: 'validation_error',
  },
  // Slugs
  ...['api', 'API', 'healthz', 'Healthz', 'dashboard', 'DashBoard'].map((slug) => ({
    name: `reserved slug '${slug}'`,
    request: () => post(link({ slug })),
    status: 400,
    code: 'validation_error',
    mentions: /reserved/,
  })),
  ...['', 'has space', 'a/b', 'dots.are.not.ok', 'ünïcode', 'x'.repeat(65), '%2e%2e', '../etc'].map(
    (slug) => ({
      name: `malformed slug '${slug.slice(0, 20)}'`,
      request: () => post(link({ slug })),
      status: 400,
      code: 'validation_error',
    }),
  ),
  {
    name: 'slug of the wrong type',
    request: () => post(link({ slug: 12345 })),
    status: 400,
    code: 'validation_error',
  },
  // Journey and stage
  {
    name: 'stage not in the journey',
    request: () => post(link({ stage: 'purchase' })),
    status: 400,
    code: 'validation_error',
    mentions: /purchase/,
  },
  {
    name: 'unknown journey',
    request: () => post(link({ journey: 'no-such-journey' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'missing stage',
    request: () => post({ url: GOOD.url, touchpoint: 'x' }),
    status: 400,
    code: 'validation_error',
    mentions: /stage/,
  },
  {
    name: 'missing url',
    request: () => post({ touchpoint: 'x', stage: 'awareness' }),
    status: 400,
    code: 'validation_error',
    mentions: /url/,
  },
  {
    name: 'touchpoint with spaces',
    request: () => post(link({ touchpoint: 'spring poster' })),
    status: 400,
    code: 'validation_error',
  },
  // Types and unknown fields
  {
    name: 'touchpoint of the wrong type',
    request: () => post(link({ touchpoint: 42 })),
    status: 400,
    code: 'validation_error',
    mentions: /touchpoint/,
  },
  {
    name: 'tags as a string',
    request: () => post(link({ tags: 'a,b' })),
    status: 400,
    code: 'validation_error',
    mentions: /tags/,
  },
  {
    name: 'tags with a number',
    request: () => post(link({ tags: ['ok', 3] })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'more than 20 tags',
    request: () => post(link({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'maxClicks as a string',
    request: () => post(link({ maxClicks: '10' })),
    status: 400,
    code: 'validation_error',
    mentions: /maxClicks/,
  },
  {
    name: 'maxClicks fractional',
    request: () => post(link({ maxClicks: 1.5 })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'maxClicks zero',
    request: () => post(link({ maxClicks: 0 })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'category not in the list',
    request: () => post(link({ category: 'virtual' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'expiresAt not a date',
    request: () => post(link({ expiresAt: 'next tuesday' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'expiresAt in the past',
    request: () => post(link({ expiresAt: '2020-01-01T00:00:00Z' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'utm as a string',
    request: () => post(link({ utm: 'utm_source=x' })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'unknown utm key',
    request: () => post(link({ utm: { sauce: 'x' } })),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'unknown field',
    request: () => post(link({ destination: 'https://shop.example/' })),
    status: 400,
    code: 'validation_error',
    mentions: /destination/,
  },
  {
    name: 'domain that is not ours',
    request: () => post(link({ domain: 'evil.example' })),
    status: 400,
    code: 'validation_error',
  },
  // Editing
  {
    name: 'PATCH with malformed JSON',
    request: () => ({
      method: 'PATCH',
      path: `/api/links/${linkId}`,
      rawBody: '{',
      headers: { 'content-type': 'application/json' },
    }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'PATCH with nothing to change',
    request: () => ({ method: 'PATCH', path: `/api/links/${linkId}`, body: {} }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'PATCH to a javascript: URL',
    request: () => ({ method: 'PATCH', path: `/api/links/${linkId}`, body: { url: 'javascript:alert(1)' } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'PATCH to the short domain',
    request: () => ({ method: 'PATCH', path: `/api/links/${linkId}`, body: { url: 'https://tp.test/loop' } }),
    status: 400,
    code: 'validation_error',
  },
  ...['https://d111111abcdef8.cloudfront.net/x', 'https://ABC123.execute-api.eu-west-1.amazonaws.com./x'].map(
    (url) => ({
      name: `PATCH to another name of the service: ${url}`,
      request: () => ({ method: 'PATCH' as const, path: `/api/links/${linkId}`, body: { url } }),
      status: 400,
      code: 'validation_error',
    }),
  ),
  {
    name: 'PATCH the slug',
    request: () => ({ method: 'PATCH', path: `/api/links/${linkId}`, body: { slug: 'new' } }),
    status: 400,
    code: 'validation_error',
    mentions: /slug/,
  },
  {
    name: 'PATCH an unknown field',
    request: () => ({ method: 'PATCH', path: `/api/links/${linkId}`, body: { colour: 'red' } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'PATCH a stage not in the journey',
    request: () => ({ method: 'PATCH', path: `/api/links/${linkId}`, body: { stage: 'purchase' } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'PATCH status deleted',
    request: () => ({ method: 'PATCH', path: `/api/links/${linkId}`, body: { status: 'deleted' } }),
    status: 400,
    code: 'validation_error',
  },
  // Bulk
  {
    name: 'bulk without links',
    request: () => ({ method: 'POST', path: '/api/links/bulk', body: { links: [] } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'bulk links not an array',
    request: () => ({ method: 'POST', path: '/api/links/bulk', body: { links: GOOD } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'bulk of 101 links',
    request: () => ({
      method: 'POST',
      path: '/api/links/bulk',
      body: { links: Array.from({ length: 101 }, () => GOOD) },
    }),
    status: 400,
    code: 'validation_error',
    mentions: /100/,
  },
  // Journeys
  {
    name: 'journey without stages',
    request: () => ({ method: 'PUT', path: '/api/journeys/j1', body: { stages: [] } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'journey with repeated stages',
    request: () => ({ method: 'PUT', path: '/api/journeys/j1', body: { stages: ['a', 'a'] } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'journey with a bad stage name',
    request: () => ({ method: 'PUT', path: '/api/journeys/j1', body: { stages: ['Buy Now!'] } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'journey with a bad name',
    request: () => ({ method: 'PUT', path: '/api/journeys/bad%20name', body: { stages: ['a'] } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'journey with 21 stages',
    request: () => ({
      method: 'PUT',
      path: '/api/journeys/j1',
      body: { stages: Array.from({ length: 21 }, (_, i) => `s${i}`) },
    }),
    status: 400,
    code: 'validation_error',
  },
  // Keys
  {
    name: 'key with an unknown role',
    request: () => ({ method: 'POST', path: '/api/keys', body: { name: 'k', role: 'owner' } }),
    status: 400,
    code: 'validation_error',
    mentions: /role/,
  },
  {
    name: 'key without a name',
    request: () => ({ method: 'POST', path: '/api/keys', body: { role: 'viewer' } }),
    status: 400,
    code: 'validation_error',
  },
  // QR options
  ...[
    ['size', '10000'],
    ['size', '10'],
    ['size', '-1'],
    ['size', 'big'],
    ['size', '1e9'],
    ['margin', '100'],
    ['fg', 'red'],
    ['bg', 'url(javascript:alert(1))'],
    ['fg', '#12345'],
    ['ecc', 'X'],
    ['format', 'gif'],
  ].map(([name, value]) => ({
    name: `QR ${name}=${value}`,
    request: () => ({ path: `/api/links/${linkId}/qr`, query: { [name!]: value! } }),
    status: 400,
    code: 'validation_error',
    mentions: new RegExp(name!),
  })),
  {
    name: 'QR with unreadable contrast',
    request: () => ({ path: `/api/links/${linkId}/qr`, query: { fg: 'eeeeee', bg: 'ffffff' } }),
    status: 400,
    code: 'validation_error',
  },
  // Query parameters
  ...[
    { limit: '0' },
    { limit: '101' },
    { limit: '10000000' },
    { limit: 'ten' },
    { limit: '2.5' },
    { stage: 'Not A Stage!' },
    { journey: '' },
    { status: 'deleted' },
    { colour: 'red' },
    { cursor: 'not-a-cursor' },
    { cursor: Buffer.from('[1,2,3]').toString('base64url') },
    { cursor: Buffer.from('{"gsi1pk":"APIKEYS","pk":"a","sk":"b","gsi1sk":"c"}').toString('base64url') },
    {
      cursor: Buffer.from(
        '{"gsi1pk":"LINKS","pk":"LINK#x","sk":"LINK","gsi1sk":"2026","extra":"x"}',
      ).toString('base64url'),
    },
    { cursor: 'a'.repeat(5000) },
    { limit: '0x10' },
    { limit: '1e1' },
    { limit: '+5' },
    { limit: ' 5' },
    // Forged cursors of the right shape (issue 14: an empty gsi1sk reached DynamoDB and answered 500).
    ...[
      { gsi1pk: 'LINKS', pk: 'LINK#abc', sk: 'LINK', gsi1sk: '' },
      { gsi1pk: 'LINKS', pk: 'LINK#abc', sk: 'LINK', gsi1sk: '2026-10-01T08:00:00.000Z#other' },
      { gsi1pk: 'LINKS', pk: 'LINK#abc', sk: 'LINK', gsi1sk: '#abc' },
      { gsi1pk: 'LINKS', pk: 'LINK#', sk: 'LINK', gsi1sk: '2026-10-01T08:00:00.000Z#' },
      { gsi1pk: 'LINKS', pk: 'LINK#abc', sk: 'LINK', gsi1sk: 5 },
    ].map((key) => ({ cursor: Buffer.from(JSON.stringify(key)).toString('base64url') })),
  ].map((query) => ({
    name: `list links with ${JSON.stringify(query).slice(0, 80)}`,
    request: () => ({ path: '/api/links', query }),
    status: 400,
    code: 'validation_error',
  })),
  ...[
    { interval: 'minute' },
    { from: 'yesterday' },
    { from: '2026-13-45' },
    { from: '2026-03-01', to: '2026-02-01' },
    { from: '2020-01-01', to: '2026-01-01' },
    { interval: 'hour', from: '2026-01-01', to: '2026-03-01' },
    { format: 'xml' },
    { breakdown: 'planet' },
    { colour: 'red' },
  ].map((query) => ({
    name: `link stats with ${JSON.stringify(query)}`,
    request: () => ({ path: `/api/links/${linkId}/stats`, query }),
    status: 400,
    code: 'validation_error',
  })),
  ...[
    { window: '0' },
    { window: '91' },
    { window: 'week' },
    { from: 'soon' },
    { format: 'pdf' },
    { colour: 'red' },
  ].map((query) => ({
    name: `funnel with ${JSON.stringify(query)}`,
    request: () => ({ path: '/api/journeys/default/funnel', query }),
    status: 400,
    code: 'validation_error',
  })),
  {
    name: 'funnel of a badly named journey',
    request: () => ({ path: '/api/journeys/NOT%20OK!/funnel' }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'funnel of an unknown journey',
    request: () => ({ path: '/api/journeys/nobody/funnel' }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'touchpoints of a badly named journey',
    request: () => ({ path: '/api/touchpoints', query: { journey: 'x y' } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'touchpoints with a bad period',
    request: () => ({ path: '/api/touchpoints', query: { from: '2026-99-01' } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'a date that does not exist (30 February), not rolled over to March',
    request: () => ({ path: '/api/touchpoints', query: { from: '2026-02-30' } }),
    status: 400,
    code: 'validation_error',
    mentions: /from/,
  },
  {
    name: 'an hour that does not exist (24:00)',
    request: () => ({ path: `/api/links/${linkId}/stats`, query: { to: '2026-05-01T24:00:00Z' } }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'a query value that was not UTF-8 (%FF)',
    request: () => ({ path: '/api/links', query: { campaign: 'spring\uFFFD' } }),
    status: 400,
    code: 'validation_error',
    mentions: /UTF-8/,
  },
  {
    name: 'touchpoints of an unknown journey',
    request: () => ({ path: '/api/touchpoints', query: { journey: 'nobody' } }),
    status: 404,
    code: 'not_found',
  },
  // Ids and paths
  {
    name: 'unknown link id',
    request: () => ({ path: '/api/links/unknown0000000000' }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'stats of an unknown link',
    request: () => ({ path: '/api/links/unknown0000000000/stats' }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'QR of an unknown link',
    request: () => ({ path: '/api/links/unknown0000000000/qr' }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'absurdly long link id',
    request: () => ({ path: `/api/links/${'a'.repeat(3000)}` }),
    status: [400, 404],
    code: '',
  },
  {
    name: 'absurdly long link id on PATCH',
    request: () => ({
      method: 'PATCH',
      path: `/api/links/${'a'.repeat(3000)}`,
      body: { url: 'https://shop.example/' },
    }),
    status: [400, 404],
    code: '',
  },
  {
    name: 'malformed percent-encoding in an id',
    request: () => ({ path: '/api/links/%E0%A4%A' }),
    status: 400,
    code: 'validation_error',
  },
  {
    name: 'revoking an unknown key',
    request: () => ({ method: 'DELETE', path: '/api/keys/nokey' }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'unknown API route',
    request: () => ({ path: '/api/nothing-here' }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'wrong method on a known route',
    request: () => ({ method: 'PUT', path: '/api/links' }),
    status: 405,
    code: 'method_not_allowed',
  },
  // Authentication and roles
  { name: 'missing key', request: () => ({ ...post(GOOD), key: '' }), status: 401, code: 'unauthorized' },
  {
    name: 'missing key on a read',
    request: () => ({ path: '/api/links', key: '' }),
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'wrong key',
    request: () => ({ ...post(GOOD), key: 'tp_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' }),
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'wrong free-form key',
    request: () => ({ path: '/api/links', key: 'guess' }),
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'key in a Basic header',
    request: () => ({ path: '/api/links', key: '', headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'absurdly long key',
    request: () => ({ path: '/api/links', key: 'k'.repeat(10_000) }),
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'viewer creating a link',
    request: () => ({ ...post(GOOD), key: viewerKey }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'viewer bulk-creating links',
    request: () => ({ method: 'POST', path: '/api/links/bulk', body: { links: [GOOD] }, key: viewerKey }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'viewer editing a link',
    request: () => ({
      method: 'PATCH',
      path: `/api/links/${linkId}`,
      body: { url: 'https://shop.example/v' },
      key: viewerKey,
    }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'viewer archiving a link',
    request: () => ({ method: 'DELETE', path: `/api/links/${linkId}`, key: viewerKey }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'viewer defining a journey',
    request: () => ({ method: 'PUT', path: '/api/journeys/v', body: { stages: ['a'] }, key: viewerKey }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'editor creating a key',
    request: () => ({
      method: 'POST',
      path: '/api/keys',
      body: { name: 'x', role: 'admin' },
      key: editorKey,
    }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'editor listing keys',
    request: () => ({ path: '/api/keys', key: editorKey }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'editor revoking a key',
    request: () => ({ method: 'DELETE', path: '/api/keys/whatever', key: editorKey }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'editor defining a journey',
    request: () => ({ method: 'PUT', path: '/api/journeys/e', body: { stages: ['a'] }, key: editorKey }),
    status: 403,
    code: 'forbidden',
  },
];

beforeAll(async () => {
  app = await setupApp();
  const created = await app.api({ method: 'POST', path: '/api/links', body: GOOD });
  expect(created.statusCode).toBe(201);
  linkId = bodyOf(created).id;
  for (const role of ['viewer', 'editor'] as const) {
    const res = await app.api({ method: 'POST', path: '/api/keys', body: { name: role, role } });
    expect(res.statusCode).toBe(201);
    if (role === 'viewer') viewerKey = bodyOf(res).key;
    else editorKey = bodyOf(res).key;
  }
});

describe('bad input', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await countItems();
    const res = await app.api(c.request());
    expectApiError(res, c.status, c.code || undefined);
    if (c.mentions) expect(bodyOf(res).error.message).toMatch(c.mentions);
    expect(await countItems(), 'something was stored').toBe(before);
  });

  it('leaves the existing link untouched after all the bad edits', async () => {
    const res = await app.api({ path: `/api/links/${linkId}` });
    expect(bodyOf(res)).toMatchObject({ ...GOOD, status: 'active' });
  });
});
