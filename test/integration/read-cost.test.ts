import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { aggregateRecords } from '../../functions/analytics/aggregate';
import { scanEntities } from '../../functions/analytics/repository';
import type { ClickEvent } from '../../functions/clicks/model';
import { db, dynamoClient } from '../../functions/shared/dynamo';
import { setupApp } from '../support/app';
import { parseBody } from '../support/events';
import { syntheticRecords } from '../support/stream';

/**
 * Analytics reads cost O(time buckets × dimensions), never O(clicks): the same 30-day queries are run
 * at 1,000 and at 1,000,000 clicks and must send the same number of DynamoDB requests.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
let linkId = '';
const FROM = '2026-09-01';
const TO = '2026-10-01';
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP'];
const STAGES = ['awareness', 'consideration', 'decision'];

function clicksFor(count: number, seed: number): ClickEvent[] {
  const start = Date.parse(`${FROM}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => {
    const n = i + seed;
    const stage = STAGES[n % 3]!;
    return {
      id: `c${seed}-${i}`,
      // Spread over the 30 days, at three hours of each day.
      at: new Date(
        start + (n % 30) * 86_400_000 + (9 + (n % 3) * 4) * 3_600_000 + (n % 3_600) * 1000,
      ).toISOString(),
      linkId,
      domain: 'tp.test',
      slug: 'x',
      journey: 'default',
      stage,
      touchpoint: `${stage}-tp`,
      source: n % 4 === 0 ? 'scan' : 'click',
      visitorId: `v_${seed}_${(n % 50).toString().padStart(16, '0')}`,
      bot: n % 10 === 0,
      device: 'mobile',
      os: 'iOS',
      browser: 'Safari',
      referrer: null,
      country: COUNTRIES[n % COUNTRIES.length]!,
      maxClicks: null,
    };
  });
}

async function countRequests<T>(fn: () => Promise<T>): Promise<{ result: T; requests: number }> {
  let requests = 0;
  const name = `count-${Math.random()}`;
  dynamoClient.middlewareStack.add(
    (next) => async (args) => {
      requests++;
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    return { result: await fn(), requests };
  } finally {
    dynamoClient.middlewareStack.remove(name);
  }
}

async function readAll() {
  const stats = await app.api({ path: `/api/links/${linkId}/stats`, query: { from: FROM, to: TO } });
  const touchpoints = await app.api({ path: '/api/touchpoints', query: { from: FROM, to: TO } });
  const funnel = await app.api({ path: '/api/journeys/default/funnel', query: { from: FROM, to: TO } });
  for (const r of [stats, touchpoints, funnel]) expect(r.statusCode).toBe(200);
  return parseBody<{ totals: { clicks: number; scans: number } }>(stats);
}

beforeAll(async () => {
  app = await setupApp();
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: 'https://brand.example/', touchpoint: 'awareness-tp', stage: 'awareness' },
  });
  linkId = parseBody<{ id: string }>(res).id;
});

describe('analytics read cost', () => {
  it('sends the same number of requests for 1,000 clicks as for 1,000,000', async () => {
    const records = syntheticRecords(clicksFor(1000, 0));
    for (let i = 0; i < records.length; i += 100) {
      expect((await aggregateRecords(records.slice(i, i + 100))).batchItemFailures).toEqual([]);
    }
    const small = await countRequests(readAll);
    expect(small.result.totals.clicks + small.result.totals.scans).toBe(900); // 100 of 1,000 are bots

    // 1,000,000 clicks over the same 30 days fill the same hourly and daily counter items, only with
    // larger numbers: scale every counter item by 1,000, as 999,000 more such clicks would.
    const counterItems: Array<Record<string, unknown>> = [];
    await scanEntities((item) => {
      if (['link_stats', 'touchpoint_stats', 'stage_stats'].includes(item.entity as string))
        counterItems.push(item);
    });
    const scale = async (item: Record<string, unknown>) => {
      const numeric = Object.entries(item).filter(([, v]) => typeof v === 'number');
      await db.send(
        new UpdateCommand({
          TableName: process.env.TABLE_NAME,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET ${numeric.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(numeric.map(([k], i) => [`#a${i}`, k])),
          ExpressionAttributeValues: Object.fromEntries(
            numeric.map(([, v], i) => [`:v${i}`, (v as number) * 1000]),
          ),
        }),
      );
    };
    for (let i = 0; i < counterItems.length; i += 25)
      await Promise.all(counterItems.slice(i, i + 25).map(scale));
    const large = await countRequests(readAll);
    expect(large.result.totals.clicks + large.result.totals.scans).toBe(900_000);
    expect(large.requests).toBe(small.requests);
    // Authentication (1 GetItem per call) plus a handful of queries: nothing proportional to clicks.
    expect(small.requests).toBeLessThan(20);
  });

  it('writes each counter item once per transaction, and once per batch when one transaction holds it', async () => {
    // 100 clicks of one day: 3 link hours, 3 touchpoint days, stage days and 50 visitors fit one transaction.
    const oneDay = clicksFor(100, 5000).map((c) => ({ ...c, at: `2026-09-10T${c.at.slice(11)}` }));
    const records = syntheticRecords(oneDay);
    const written: string[] = [];
    dynamoClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          const input = (
            args as { input: { TransactItems: Array<{ Update?: { Key: Record<string, { S: string }> } }> } }
          ).input;
          const keysInTransaction = input.TransactItems.filter((a) => a.Update).map(
            (a) => `${a.Update!.Key.pk!.S} ${a.Update!.Key.sk!.S}`,
          );
          expect(new Set(keysInTransaction).size).toBe(keysInTransaction.length);
          written.push(...keysInTransaction);
        }
        return next(args);
      },
      // After the document client's marshalling: keys arrive as attribute values ({ S: … }).
      { step: 'build', name: 'recordWrites' },
    );
    try {
      const { stats } = await aggregateRecords(records);
      expect(stats.applied).toBe(100);
      expect(stats.transactions).toBe(1);
      expect(stats.counterWrites).toBe(written.length);
    } finally {
      dynamoClient.middlewareStack.remove('recordWrites');
    }
    expect(written.length).toBeGreaterThan(0);
    expect(new Set(written).size).toBe(written.length);
  });
});
