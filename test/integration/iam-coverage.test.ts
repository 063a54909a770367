import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as aggregateHandler } from '#handlers/aggregate';
import { clearLinkCache } from '#links/cache';
import { TABLE_ACCESS } from '../../lib/constructs/touchpoint-function';
import { setupApp } from '../support/app';
import { parseBody } from '../support/events';
import { watchSdkCalls } from '../support/sdk-calls';
import { pumpStream } from '../support/stream';

/**
 * DynamoDB Local does not check IAM, so a permission the stack forgot would only fail in AWS. This
 * drives every handler through its paths, records the DynamoDB actions each really needs (including
 * the actions inside transactions), and checks each is granted to that function by the stack.
 */
type Fn = keyof typeof TABLE_ACCESS;
const used: Record<Fn, Set<string>> = { redirect: new Set(), api: new Set(), aggregate: new Set() };
let phase: Fn = 'api';
/** Partition keys each function's actions touched, for the actions the stack grants only on some keys. */
const touchedKeys: Record<Fn, Array<{ action: string; pk: string }>> = {
  redirect: [],
  api: [],
  aggregate: [],
};
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

let app: Awaited<ReturnType<typeof setupApp>>;
let stopRecording: () => void;

beforeAll(async () => {
  app = await setupApp();
  stopRecording = watchSdkCalls(({ command, input }) => {
    const action = `dynamodb:${command.replace(/Command$/, '')}`;
    // A transaction has no IAM action of its own: IAM authorizes each of its items (recorded below).
    if (!input.TransactItems) used[phase].add(action);
    if (input.Key?.pk?.S) touchedKeys[phase].push({ action, pk: input.Key.pk.S });
    for (const item of input.TransactItems ?? [])
      for (const [kind, op] of Object.entries(item)) {
        const transactAction = TRANSACT_ACTIONS[kind] ?? `unknown transaction action ${kind}`;
        used[phase].add(transactAction);
        if (op.Key?.pk?.S) touchedKeys[phase].push({ action: transactAction, pk: op.Key.pk.S });
      }
  });
});

afterAll(() => {
  stopRecording();
});

describe('least privilege matches what the code does', () => {
  it('grants every function every DynamoDB action its paths use', async () => {
    phase = 'api';
    const journey = await app.api({
      method: 'PUT',
      path: '/api/journeys/iam',
      body: { stages: ['one', 'two'] },
    });
    expect(journey.statusCode).toBe(201);
    const created = await app.api({
      method: 'POST',
      path: '/api/links',
      body: {
        url: 'https://brand.example/a',
        touchpoint: 'iam-a',
        stage: 'one',
        journey: 'iam',
        maxClicks: 2,
      },
    });
    const link = parseBody<{ id: string; slug: string }>(created);
    const second = parseBody<{ id: string; slug: string }>(
      await app.api({
        method: 'POST',
        path: '/api/links',
        body: { url: 'https://brand.example/b', touchpoint: 'iam-b', stage: 'two', journey: 'iam' },
      }),
    );
    await app.api({
      method: 'POST',
      path: '/api/links/bulk',
      body: { links: [{ url: 'https://b.example/', touchpoint: 'iam-a', stage: 'one', journey: 'iam' }] },
    });
    await app.api({ path: '/api/links', query: { journey: 'iam', limit: '1' } });
    await app.api({ path: `/api/links/${link.id}` });
    await app.api({ method: 'PATCH', path: `/api/links/${second.id}`, body: { touchpoint: 'iam-c' } });
    await app.api({ path: `/api/links/${link.id}/qr`, query: { format: 'png' } });
    const key = parseBody<{ id: string }>(
      await app.api({ method: 'POST', path: '/api/keys', body: { name: 'temp', role: 'admin' } }),
    );
    await app.api({ path: '/api/keys' });
    expect((await app.api({ method: 'DELETE', path: `/api/keys/${key.id}` })).statusCode).toBe(204);
    await app.api({ path: '/api/journeys' });

    phase = 'redirect';
    clearLinkCache();
    let cookie: string | undefined;
    for (const slug of [link.slug, second.slug, link.slug]) {
      const res = await app.click(slug, { cookies: cookie ? [cookie] : undefined });
      expect(res.statusCode).toBe(302);
      cookie ??= res.cookies?.[0]?.split(';')[0];
    }
    await app.click(link.slug, { headers: { 'sec-gpc': '1' } }); // cookieless: the daily salt

    phase = 'aggregate';
    await pumpStream((records) => aggregateHandler({ Records: records }));
    await aggregateHandler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

    phase = 'api';
    await app.api({ path: `/api/links/${link.id}/stats` });
    await app.api({ path: '/api/touchpoints', query: { journey: 'iam' } });
    await app.api({ path: '/api/journeys/iam/funnel' });
    // The limited link reached maxClicks (3 human GETs ≥ 2): the aggregator closed it, which needs a
    // Query of its counters and transactional updates.
    expect(parseBody<{ status: string }>(await app.api({ path: `/api/links/${link.id}` })).status).toBe(
      'exhausted',
    );
    expect((await app.api({ method: 'DELETE', path: `/api/links/${link.id}` })).statusCode).toBe(204);
    for (const fn of Object.keys(used) as Fn[]) {
      const granted = new Set<string>(TABLE_ACCESS[fn].actions);
      expect(
        [...used[fn]].filter((a) => !granted.has(a)),
        `${fn} uses actions it is not granted`,
      ).toEqual([]);
    }
    expect(used.redirect).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:PutItem']));
    expect(used.aggregate.has('dynamodb:Query')).toBe(true);
    // Actions granted only on some partition keys (IAM LeadingKeys) stay within them.
    const scoped: Record<string, readonly string[]> = TABLE_ACCESS.aggregate.scoped;
    const scopedUses = touchedKeys.aggregate.filter((t) => t.action in scoped);
    expect(scopedUses.length, 'the aggregate paths above delete applied deltas').toBeGreaterThan(0);
    // Our LeadingKeys patterns are prefixes ending in `*` (IAM StringLike).
    const covers = (pattern: string, pk: string) => pk.startsWith(pattern.slice(0, -1));
    expect(
      scopedUses.filter((t) => !scoped[t.action]!.some((p) => covers(p, t.pk))),
      'aggregate touches keys its scoped grants do not cover',
    ).toEqual([]);
  });
});
