import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_DELTA_SLOTS, applyDeltas } from '#aggregation/apply-deltas';
import { db } from '#shared/dynamo';
import { keys } from '#shared/keys';
import { setupApp } from '../support/app';
import { BROWSER_UA, parseBody } from '../support/events';
import { storedClicks } from '../support/inspect';
import { pumpStream } from '../support/stream';

/**
 * Visitor states are stored as one JSON string (data-model.md), read back as the same state: a
 * returning visitor must not be counted again.
 */
let app: Awaited<ReturnType<typeof setupApp>>;

async function linkIn(touchpoint: string) {
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: `https://shop.example/${touchpoint}`, touchpoint, stage: 'awareness' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return parseBody<{ id: string; slug: string }>(res);
}

async function uniqueVisitors(linkId: string): Promise<number> {
  const res = await app.api({ path: `/api/links/${linkId}/stats` });
  expect(res.statusCode, res.body).toBe(200);
  return parseBody<{ totals: { uniqueVisitors: number } }>(res).totals.uniqueVisitors;
}

beforeAll(async () => {
  app = await setupApp();
});

describe('visitor state storage', () => {
  it('stores the state as a JSON string and reads it back for the returning visitor', async () => {
    const link = await linkIn('format-check');
    const first = await app.click(link.slug, { userAgent: BROWSER_UA });
    expect(first.statusCode).toBe(302);
    const cookie = first.cookies![0]!.split(';')[0]!;
    // A visitor's first click alone writes no state (ADR 0015); their second one does.
    expect((await app.click(link.slug, { userAgent: BROWSER_UA, cookies: [cookie] })).statusCode).toBe(302);
    await pumpStream();
    await applyDeltas(ALL_DELTA_SLOTS);
    expect(await uniqueVisitors(link.id)).toBe(1);

    const [click] = await storedClicks(link.id);
    const key = keys.visitor(click!.visitorId as string);
    const stored = (await db.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: key }))).Item!;
    expect(typeof stored.state).toBe('string');
    const state = JSON.parse(stored.state as string) as { links: Record<string, number> };
    expect(Object.keys(state.links)).toEqual([link.id]);

    const again = await app.click(link.slug, { userAgent: BROWSER_UA, cookies: [cookie] });
    expect(again.statusCode).toBe(302);
    await pumpStream();
    await applyDeltas(ALL_DELTA_SLOTS);
    expect(await uniqueVisitors(link.id), 'the returning visitor was counted again').toBe(1);
    const rewritten = (await db.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: key }))).Item!;
    expect(typeof rewritten.state).toBe('string');
    expect(rewritten.version).toBe(Number(stored.version) + 1);
  });
});
