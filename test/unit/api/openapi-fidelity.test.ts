import { describe, expect, it } from 'vitest';
import { createKeySchema } from '#auth/model';
import { putJourneySchema } from '#journeys/model';
import { bulkCreateSchema, createLinkSchema, updateLinkSchema } from '#links/schema';
import { matchesComponent } from '../../support/openapi-contract';

/**
 * The document's request bodies are generated from the zod schemas at the edge (ADR 0050). Each case is a
 * body near a limit: the document must give the same verdict as the schema the API validates with, so a
 * client checking against the document is refused for exactly what the API refuses.
 */
const link = { url: 'https://shop.example/spring', touchpoint: 'spring-poster', stage: 'awareness' };
const many = (n: number, make: (i: number) => unknown) => Array.from({ length: n }, (_, i) => make(i));

const CASES = {
  CreateLink: {
    schema: createLinkSchema,
    bodies: {
      minimal: link,
      'every field': {
        ...link,
        journey: 'default',
        channel: 'print',
        category: 'physical',
        campaign: 'spring',
        tags: ['a', 'b'],
        slug: 'Spring_26',
        domain: 'go.example',
        utm: { source: 'poster', content: 'lobby' },
        expiresAt: '2027-01-01T00:00:00Z',
        maxClicks: 1_000_000_000,
        fallbackUrl: 'https://shop.example/over',
      },
      'maxClicks over 1e9': { ...link, maxClicks: 1_000_000_001 },
      'maxClicks 0': { ...link, maxClicks: 0 },
      'maxClicks not whole': { ...link, maxClicks: 1.5 },
      'an ftp URL': { ...link, url: 'ftp://shop.example/file' },
      'a relative URL': { ...link, url: '/spring' },
      'a URL over 2048 characters': { ...link, url: `https://shop.example/${'a'.repeat(2030)}` },
      'no stage': { url: link.url, touchpoint: link.touchpoint },
      'an unknown field': { ...link, colour: 'red' },
      '21 tags': { ...link, tags: many(21, (i) => `t${i}`) },
      'a tag of 41 characters': { ...link, tags: ['t'.repeat(41)] },
      'a slug with a space': { ...link, slug: 'a b' },
      'a slug of 65 characters': { ...link, slug: 's'.repeat(65) },
      'an unknown category': { ...link, category: 'virtual' },
      'an empty campaign': { ...link, campaign: '' },
      'a touchpoint with a slash': { ...link, touchpoint: 'a/b' },
      'an unknown utm field': { ...link, utm: { gclid: 'x' } },
      'a utm value of 201 characters': { ...link, utm: { source: 's'.repeat(201) } },
      'expiresAt without a time': { ...link, expiresAt: '2027-01-01' },
    },
  },
  UpdateLink: {
    schema: updateLinkSchema,
    bodies: {
      'one field': { stage: 'decision' },
      'clearing fields': { maxClicks: null, channel: null, expiresAt: null, fallbackUrl: null },
      archiving: { status: 'archived' },
      nothing: {},
      'a slug': { slug: 'other' },
      'a domain': { domain: 'go.example' },
      'status expired': { status: 'expired' },
      'maxClicks over 1e9': { maxClicks: 1_000_000_001 },
      'url null': { url: null },
    },
  },
  BulkCreateLinks: {
    schema: bulkCreateSchema,
    bodies: {
      'one link': { links: [link] },
      '100 links': { links: many(100, () => link) },
      '101 links': { links: many(101, () => link) },
      'no links': { links: [] },
      'no array': {},
    },
  },
  PutJourney: {
    schema: putJourneySchema,
    bodies: {
      'three stages': { stages: ['see', 'try', 'buy'], description: 'retail' },
      'a stage twice': { stages: ['see', 'see'] },
      'no stages': { stages: [] },
      '21 stages': { stages: many(21, (i) => `s${i}`) },
      'a description of 501 characters': { stages: ['see'], description: 'd'.repeat(501) },
    },
  },
  CreateKey: {
    schema: createKeySchema,
    bodies: {
      viewer: { name: 'reports', role: 'viewer' },
      'an unknown role': { name: 'reports', role: 'owner' },
      'an empty name': { name: '', role: 'admin' },
      'a name of 101 characters': { name: 'n'.repeat(101), role: 'admin' },
    },
  },
} as const;

describe('request bodies of the OpenAPI document agree with the zod schemas', () => {
  for (const [component, { schema, bodies }] of Object.entries(CASES)) {
    it.each(Object.entries(bodies))(`${component}: %s`, (_, body) => {
      const zod = schema.safeParse(body).success;
      expect(matchesComponent(component, body), `zod says ${zod ? 'valid' : 'invalid'}`).toBe(zod);
    });
  }

  it('covers both verdicts for every body (a case list that only passes proves little)', () => {
    for (const [component, { schema, bodies }] of Object.entries(CASES)) {
      const verdicts = new Set(Object.values(bodies).map((b) => schema.safeParse(b).success));
      expect([...verdicts].sort(), component).toEqual([false, true]);
    }
  });
});
