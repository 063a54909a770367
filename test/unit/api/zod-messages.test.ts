import { describe, expect, it } from 'vitest';
import { createKeySchema } from '#auth/model';
import { putJourneySchema } from '#journeys/model';
import { createLinkSchema, listLinksQuerySchema, updateLinkSchema } from '#links/schema';
import { parseQrOptions } from '#qr/model';
import { parseWith } from '#shared/http';

/**
 * The 400 messages that quote zod's own wording, exactly. The edge schemas use zod/mini, which registers
 * no locale: without functions/shared/zod-locale.ts every one of these would read "Invalid input".
 * (Captured from the classic zod API before the switch; the responses must not change.)
 */
const GOOD = { url: 'https://shop.example/product', touchpoint: 'valid-tp', stage: 'awareness' };

const CASES: Array<[string, () => unknown, string]> = [
  [
    'unknown field',
    () => parseWith(createLinkSchema, { ...GOOD, colour: 'red' }, 'link'),
    'Invalid link: Unrecognized key: "colour"',
  ],
  [
    'wrong type',
    () => parseWith(createLinkSchema, { ...GOOD, maxClicks: '5' }, 'link'),
    "Invalid link field 'maxClicks': Invalid input: expected number, received string",
  ],
  [
    'not an integer',
    () => parseWith(createLinkSchema, { ...GOOD, maxClicks: 1.5 }, 'link'),
    "Invalid link field 'maxClicks': Invalid input: expected int, received number",
  ],
  [
    'missing field',
    () => parseWith(createLinkSchema, { url: GOOD.url, stage: 'awareness' }, 'link'),
    "Invalid link field 'touchpoint': Invalid input: expected string, received undefined",
  ],
  [
    'not one of the options',
    () => parseWith(createLinkSchema, { ...GOOD, category: 'bogus' }, 'link'),
    'Invalid link field \'category\': Invalid option: expected one of "digital"|"physical"|"human"',
  ],
  [
    'too short after trimming',
    () => parseWith(createLinkSchema, { ...GOOD, campaign: ' ' }, 'link'),
    "Invalid link field 'campaign': Too small: expected string to have >=1 characters",
  ],
  [
    'too long',
    () => parseWith(createKeySchema, { name: 'k'.repeat(101), role: 'viewer' }, 'API key'),
    "Invalid API key field 'name': Too big: expected string to have <=100 characters",
  ],
  [
    'not an object',
    () => parseWith(putJourneySchema, [1], 'journey'),
    'Invalid journey: Invalid input: expected object, received array',
  ],
  [
    'number too small',
    () => parseWith(listLinksQuerySchema, { limit: '0' }, 'query parameter'),
    "Invalid query parameter field 'limit': Too small: expected number to be >=1",
  ],
  [
    'not a number',
    () => parseWith(listLinksQuerySchema, { limit: 'ten' }, 'query parameter'),
    "Invalid query parameter field 'limit': must be a whole number between 1 and 100",
  ],
  [
    'a field that cannot change',
    () => parseWith(updateLinkSchema, { slug: 'x' }, 'link'),
    "Invalid link field 'slug': slug cannot be changed: printed QR codes point at it",
  ],
  [
    'QR options, every issue',
    () => parseQrOptions({ size: '99999999999999999999', ecc: 'x' }),
    "size Too big: expected int to be <=9007199254740991; size must be between 64 and 2048; ecc must be one of 'L', 'M', 'Q', 'H'",
  ],
];

describe('validation messages worded by zod', () => {
  it.each(CASES)('%s', (_name, parse, message) => {
    expect(parse).toThrow(expect.objectContaining({ status: 400, message }));
  });
});
