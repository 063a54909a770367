import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { aggregateRecords } from '#aggregation/aggregate';
import { ALL_DELTA_SLOTS, applyDeltas, pendingDeltaSummary } from '#aggregation/apply-deltas';
import { recount } from '#aggregation/recount';
import { handler as aggregateHandler } from '#handlers/aggregate';
import { resetConfig } from '#shared/config';
import { setupApp } from '../support/app';
import { BOT_UA, BROWSER_UA, DESKTOP_UA, parseBody } from '../support/events';
import { type SdkCall, sdkError, watchSdkCalls, withSdkFault } from '../support/sdk-calls';
import { pumpStream } from '../support/stream';

/**
 * Clicks made through the real redirect handler, aggregated from the real DynamoDB Local stream, and
 * every reported number checked against a hand count.
 */
const ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36';
const PREVIEW_UA = 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)';

// The clicks carry countries, as behind CloudFront (only then is CloudFront-Viewer-Country trusted).
process.env.TOUCHPOINT_TRUST_EDGE_HEADERS = '1';

let app: Awaited<ReturnType<typeof setupApp>>;
const links: Record<string, { id: string; slug: string }> = {};

function at(iso: string) {
  vi.setSystemTime(new Date(iso));
}

async function clickAs(
  visitor: { cookies?: string[] },
  link: string,
  options: { scan?: boolean; ua?: string; headers?: Record<string, string>; method?: string } = {},
) {
  const res = await app.click(links[link]!.slug, {
    query: options.scan ? { r: 'qr' } : undefined,
    userAgent: options.ua ?? BROWSER_UA,
    cookies: visitor.cookies,
    headers: options.headers,
    method: options.method,
  });
  expect(res.statusCode).toBe(302);
  const cookie = res.cookies?.[0];
  if (cookie && !visitor.cookies) visitor.cookies = [cookie.split(';')[0]!];
  return res;
}

async function stats(link: string, query: Record<string, string>) {
  const res = await app.api({ path: `/api/links/${links[link]!.id}/stats`, query });
  expect(res.statusCode).toBe(200);
  return parseBody<{
    totals: Record<string, number>;
    series: Array<{ t: string; clicks: number; scans: number }>;
    breakdowns: Record<string, Array<{ value: string; clicks: number }>>;
  }>(res);
}

async function touchpoints(query: Record<string, string>) {
  const res = await app.api({ path: '/api/touchpoints', query });
  expect(res.statusCode).toBe(200);
  return parseBody<{ touchpoints: Array<Record<string, unknown>> }>(res).touchpoints;
}

beforeAll(async () => {
  app = await setupApp();
  for (const [name, touchpoint, stage] of [
    ['A', 'ig-ad', 'awareness'],
    ['B', 'poster', 'awareness'],
    ['C', 'pricing-email', 'consideration'],
  ] as const) {
    const res = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url: `https://shop.example/${name}`, touchpoint, stage },
    });
    expect(res.statusCode).toBe(201);
    links[name] = parseBody(res);
  }

  vi.useFakeTimers({ toFake: ['Date'] });
  const v1: { cookies?: string[] } = {};
  const v2: { cookies?: string[] } = {};
  const v3: { cookies?: string[] } = {};
  at('2026-11-01T10:00:00Z');
  await clickAs(v1, 'A', {
    headers: { 'cloudfront-viewer-country': 'US', referer: 'https://www.instagram.com/p/xyz?igsh=1' },
  });
  at('2026-11-01T10:15:00Z');
  await clickAs({}, 'A', { ua: BOT_UA });
  await clickAs({}, 'A', { method: 'HEAD' }); // HEAD is never counted
  at('2026-11-01T10:30:00Z');
  await clickAs(v1, 'A', { scan: true, headers: { 'cloudfront-viewer-country': 'US' } });
  at('2026-11-01T11:00:00Z');
  await clickAs(v2, 'B', { scan: true, ua: DESKTOP_UA, headers: { 'cloudfront-viewer-country': 'DE' } });
  at('2026-11-02T09:00:00Z');
  await clickAs(v1, 'C', { headers: { 'cloudfront-viewer-country': 'US' } });
  at('2026-11-02T12:00:00Z');
  await clickAs(v3, 'A', { ua: ANDROID_UA });
  await clickAs({}, 'A', { ua: PREVIEW_UA });
  at('2026-11-03T08:00:00Z');
  await clickAs(v2, 'B', { scan: true, ua: DESKTOP_UA, headers: { 'cloudfront-viewer-country': 'DE' } });
  vi.useRealTimers();

  await pumpStream();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('link stats from the stream aggregator', () => {
  it('reports totals, daily series and breakdowns that match a hand count', async () => {
    const s = await stats('A', { from: '2026-11-01', to: '2026-11-04', interval: 'day' });
    // Human: v1 click + v1 scan (Nov 1), v3 click (Nov 2). Bots: Googlebot, the link preview. HEAD: nothing.
    expect(s.totals).toEqual({ clicks: 2, scans: 1, uniqueVisitors: 2, botClicks: 2 });
    expect(s.series).toEqual([
      { t: '2026-11-01T00:00:00.000Z', clicks: 1, scans: 1 },
      { t: '2026-11-02T00:00:00.000Z', clicks: 1, scans: 0 },
      { t: '2026-11-03T00:00:00.000Z', clicks: 0, scans: 0 },
    ]);
    expect(s.breakdowns.country).toEqual([
      { value: 'US', clicks: 2 },
      { value: 'unknown', clicks: 1 },
    ]);
    expect(s.breakdowns.device).toEqual([{ value: 'mobile', clicks: 3 }]);
    expect(s.breakdowns.os).toEqual([
      { value: 'iOS', clicks: 2 },
      { value: 'Android', clicks: 1 },
    ]);
    expect(s.breakdowns.referrer).toEqual([
      { value: 'direct', clicks: 2 },
      { value: 'www.instagram.com', clicks: 1 },
    ]);
  });

  it('counts a visitor once, in the hour of their first click, in an hourly series', async () => {
    const s = await stats('A', {
      from: '2026-11-01T10:00:00Z',
      to: '2026-11-01T12:00:00Z',
      interval: 'hour',
    });
    expect(s.series).toEqual([
      { t: '2026-11-01T10:00:00.000Z', clicks: 1, scans: 1 },
      { t: '2026-11-01T11:00:00.000Z', clicks: 0, scans: 0 },
    ]);
    expect(s.totals.uniqueVisitors).toBe(1);
  });

  it('counts unique visitors whose first click falls in the period only', async () => {
    // v1 first clicked on Nov 1, so from Nov 2 only v3 is new; v1's later clicks are not "unique" again.
    const s = await stats('A', { from: '2026-11-02', to: '2026-11-04' });
    expect(s.totals).toEqual({ clicks: 1, scans: 0, uniqueVisitors: 1, botClicks: 1 });
    const b = await stats('B', { from: '2026-11-01', to: '2026-11-04' });
    expect(b.totals).toEqual({ clicks: 0, scans: 2, uniqueVisitors: 1, botClicks: 0 });
  });

  it('answers CSV with a header row', async () => {
    const res = await app.api({
      path: `/api/links/${links.A!.id}/stats`,
      query: { from: '2026-11-01', to: '2026-11-03', format: 'csv' },
    });
    expect(res.headers?.['content-type']).toMatch(/^text\/csv/);
    expect(res.body).toBe(
      't,clicks,scans\r\n2026-11-01T00:00:00.000Z,1,1\r\n2026-11-02T00:00:00.000Z,1,0\r\n',
    );
  });
});

describe('touchpoint table', () => {
  it('lists every touchpoint of the journey with links, clicks, scans, unique visitors and share', async () => {
    const rows = await touchpoints({ journey: 'default', from: '2026-11-01', to: '2026-11-04' });
    // Human clicks+scans: ig-ad 3, poster 2, pricing-email 1 → shares 3/6, 2/6, 1/6.
    expect(rows).toEqual([
      {
        touchpoint: 'ig-ad',
        stage: 'awareness',
        links: 1,
        clicks: 2,
        scans: 1,
        uniqueVisitors: 2,
        share: 0.5,
      },
      {
        touchpoint: 'poster',
        stage: 'awareness',
        links: 1,
        clicks: 0,
        scans: 2,
        uniqueVisitors: 1,
        share: 0.3333,
      },
      {
        touchpoint: 'pricing-email',
        stage: 'consideration',
        links: 1,
        clicks: 1,
        scans: 0,
        uniqueVisitors: 1,
        share: 0.1667,
      },
    ]);
  });

  it('restricts every number to the period', async () => {
    const rows = await touchpoints({ journey: 'default', from: '2026-11-02', to: '2026-11-03' });
    const byName = Object.fromEntries(rows.map((r) => [r.touchpoint, r]));
    expect(byName['ig-ad']).toMatchObject({ clicks: 1, scans: 0, uniqueVisitors: 1, share: 0.5 });
    expect(byName.poster).toMatchObject({ clicks: 0, scans: 0, uniqueVisitors: 0, share: 0 });
    expect(byName['pricing-email']).toMatchObject({ clicks: 1, uniqueVisitors: 1, share: 0.5 });
  });

  it('answers CSV', async () => {
    const res = await app.api({
      path: '/api/touchpoints',
      query: { journey: 'default', from: '2026-11-01', to: '2026-11-04', format: 'csv' },
    });
    const lines = res.body!.trim().split('\r\n');
    expect(lines[0]).toBe('touchpoint,stage,links,clicks,scans,uniqueVisitors,share');
    expect(lines[1]).toBe('ig-ad,awareness,1,2,1,2,0.5');
    expect(lines).toHaveLength(4);
  });
});

describe('exactly once under redelivery', () => {
  it('counts nothing twice when every batch is delivered again', async () => {
    const before = await stats('A', { from: '2026-11-01', to: '2026-11-04' });
    const batches = await pumpStream(); // a new poller starts from TRIM_HORIZON: every record again
    expect(batches.flat()).toHaveLength(8); // 8 GETs; the HEAD stored nothing
    for (const batch of batches) {
      const result = await aggregateRecords(batch);
      expect(result.stats.applied).toBe(0);
    }
    expect(await stats('A', { from: '2026-11-01', to: '2026-11-04' })).toEqual(before);
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  it('counts each click once when a batch fails half way and is retried', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at('2026-11-05T10:00:00Z');
    // Six visitors, each clicking C and then A: the second clicks write visitor states (the first click
    // of a new visitor writes none, ADR 0015), so failed segments hold states, checkpoints and deltas.
    const visitors = Array.from({ length: 6 }, () => ({}) as { cookies?: string[] });
    for (let i = 0; i < 12; i++) {
      await clickAs(visitors[Math.floor(i / 2)]!, i % 2 ? 'A' : 'C', { scan: i % 3 === 0 });
    }
    vi.useRealTimers();

    // Fail the third transaction of the batch, after two have committed, and the handler's own three
    // retries of it, so the failure reaches the event source mapping, which redelivers from there.
    let commits = 0;
    const stopFaults = watchSdkCalls(({ command }) => {
      if (command === 'TransactWriteItemsCommand' && ++commits >= 3 && commits <= 6)
        throw sdkError('TimeoutError', 'injected: connection reset');
    });
    const outcomes: Array<{ applied: number; failed: boolean }> = [];
    try {
      await pumpStream(async (records) => {
        const result = await aggregateRecords(records, { maxTransactionItems: 4 });
        outcomes.push({ applied: result.stats.applied, failed: result.batchItemFailures.length > 0 });
        return result;
      });
    } finally {
      stopFaults();
    }
    expect(commits).toBeGreaterThan(6); // the injected failures happened
    expect(outcomes.some((o) => o.failed)).toBe(true); // one reached the event source mapping
    expect(outcomes.reduce((n, o) => n + o.applied, 0)).toBe(12);

    const a = await stats('A', { from: '2026-11-05', to: '2026-11-06' });
    const c = await stats('C', { from: '2026-11-05', to: '2026-11-06' });
    // i odd → A (6 clicks: i=3,9 are scans), i even → C (i=0,6 scans).
    expect(a.totals).toEqual({ clicks: 4, scans: 2, uniqueVisitors: 6, botClicks: 0 });
    expect(c.totals).toEqual({ clicks: 4, scans: 2, uniqueVisitors: 6, botClicks: 0 });
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  /** 30 clicks of the same day on A and C by 10 visitors (every third a scan); returns the hand count. */
  async function busyDay(day: string) {
    const visitors = Array.from({ length: 10 }, () => ({}) as { cookies?: string[] });
    const count = { A: { clicks: 0, scans: 0 }, C: { clicks: 0, scans: 0 } };
    vi.useFakeTimers({ toFake: ['Date'] });
    for (let i = 0; i < 30; i++) {
      at(`${day}T${String(8 + Math.floor(i / 10)).padStart(2, '0')}:${String(i).padStart(2, '0')}:00Z`);
      const link = i % 2 ? 'A' : 'C';
      await clickAs(visitors[i % 10]!, link, { scan: i % 3 === 0 });
      count[link][i % 3 === 0 ? 'scans' : 'clicks']++;
    }
    vi.useRealTimers();
    return count;
  }

  /** Both links' stats over `period` show exactly the hand count of busyDay. */
  async function expectCounted(count: Awaited<ReturnType<typeof busyDay>>, period: Record<string, string>) {
    expect((await stats('A', period)).totals).toMatchObject(count.A);
    expect((await stats('C', period)).totals).toMatchObject(count.C);
  }

  /** Nothing left pending, both links' stats show the hand count, and recount finds the counters right. */
  async function expectAllApplied(
    count: Awaited<ReturnType<typeof busyDay>>,
    period: Record<string, string>,
  ) {
    expect(await pendingDeltaSummary()).toMatchObject({ deltas: 0, jobs: 0 });
    await expectCounted(count, period);
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  }

  // A busy stream: small transactions, and deltas wait to be applied (their slots are neither 30 s old nor
  // 1,000 clicks full, ADR 40).
  const busy = (records: Parameters<typeof aggregateRecords>[0]) =>
    aggregateRecords(records, { maxTransactionItems: 6 });

  it("applies a busy stream's deltas exactly once, after a failure half way and with two appliers at once", async () => {
    const count = await busyDay('2026-11-07');
    const period = { from: '2026-11-07', to: '2026-11-08' };
    await pumpStream(busy, 5, { applyPending: false });
    // Nothing applied yet (30 pending clicks, under the flush threshold), yet the stats count them all:
    // reports add what is pending (ADR 0059).
    expect(await pendingDeltaSummary()).toMatchObject({ clicks: 30, jobs: 0 });
    expect((await stats('A', period)).totals).toMatchObject(count.A);

    // The merge starts a job, whose counter updates are plain UpdateItems (ADR 0058): fail every one
    // after the first two, so the job is left running with part of its updates applied.
    let updates = 0;
    const first = await withSdkFault(
      ({ command, input }) =>
        command === 'UpdateItemCommand' &&
        JSON.stringify(input.Key ?? {}).includes('STATS#') &&
        ++updates > 2,
      () => sdkError('TimeoutError', 'injected: connection reset'),
      () => applyDeltas(ALL_DELTA_SLOTS, { maxDeltasPerJob: 5 }),
    );
    expect(first.jobWrites).toBeGreaterThanOrEqual(1);
    expect(first.counterWrites).toBeGreaterThanOrEqual(2);
    expect((await pendingDeltaSummary()).jobs).toBeGreaterThanOrEqual(1);
    // Half applied, and the stats still count each click once: the items that carry the job's number
    // hold its update, the others get it from the running job.
    await expectCounted(count, period);

    // Two consumers resume at once: each update may be attempted twice, but is applied once.
    const resumed = await Promise.all([
      applyDeltas(ALL_DELTA_SLOTS, { maxDeltasPerJob: 5 }),
      applyDeltas(ALL_DELTA_SLOTS, { maxDeltasPerJob: 5 }),
    ]);
    expect(resumed[0].counterWrites + resumed[1].counterWrites).toBeGreaterThan(0);
    await applyDeltas(ALL_DELTA_SLOTS);
    await expectAllApplied(count, period);
  });

  it('applies a job once when it is run again after every update was applied but before it was marked finished', async () => {
    const count = await busyDay('2026-11-06');
    const period = { from: '2026-11-06', to: '2026-11-07' };
    await pumpStream(busy, 5, { applyPending: false });
    // Every counter update lands; marking the job finished (the job's Put without its updates) fails:
    // the consumer crashed just before.
    const crashed = await withSdkFault(
      ({ command, input }) =>
        command === 'PutItemCommand' &&
        JSON.stringify(input.Item ?? {}).includes('counter_job') &&
        !JSON.stringify(input.Item ?? {}).includes('updates'),
      () => sdkError('TimeoutError', 'injected: connection reset'),
      () => applyDeltas(ALL_DELTA_SLOTS),
    );
    expect(crashed.counterWrites).toBeGreaterThan(0);
    expect((await pendingDeltaSummary()).jobs).toBe(1);
    expect((await stats('A', period)).totals).toMatchObject(count.A);

    // The next run finds the job still running and runs it again: every item already has its number.
    const rerun = await applyDeltas(ALL_DELTA_SLOTS);
    expect(rerun.counterWrites).toBe(0);
    await expectAllApplied(count, period);
  });

  it('counts each click once when two consumers aggregate the same records at the same time', async () => {
    // Lambda runs one batch per shard at a time; the batch commit does not rely on it (ADR 0060): its
    // transaction checks the checkpoints and visitor versions it read, so the consumer that commits second
    // is refused, reads again and finds the records counted. The two write their deltas at different
    // times, so their transactions differ (identical ones would share an idempotency token).
    const count = await busyDay('2026-11-13');
    const period = { from: '2026-11-13', to: '2026-11-14' };
    let applied = 0;
    await pumpStream(async (records) => {
      const now = Date.now();
      const [first, second] = await Promise.all(
        [now, now + 1].map((at) => aggregateRecords(records, { maxTransactionItems: 6, now: at })),
      );
      if (!first || !second) throw new Error('two consumers ran');
      applied += first.stats.applied + second.stats.applied;
      return first.batchItemFailures.length > 0 ? first : second;
    }, 5);
    expect(applied).toBe(30);
    expect((await stats('A', period)).totals).toMatchObject({ ...count.A, uniqueVisitors: 5 });
    expect((await stats('C', period)).totals).toMatchObject({ ...count.C, uniqueVisitors: 5 });
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  it('reports count every click exactly once while the counters are being applied', async () => {
    const count = await busyDay('2026-11-10');
    const period = { from: '2026-11-10', to: '2026-11-11' };
    await pumpStream(busy, 5, { applyPending: false });
    // Many small jobs (two deltas each) while reports are read over and over: each report sees every click
    // once, whether it is in a delta, a running job or a counter item at that moment.
    let applying = true;
    let reports = 0;
    const readerLoop = async () => {
      while (applying) {
        await expectCounted(count, period);
        reports += 2;
      }
    };
    const [applied] = await Promise.all([
      applyDeltas(ALL_DELTA_SLOTS, { maxDeltasPerJob: 2 }).finally(() => {
        applying = false;
      }),
      readerLoop(),
    ]);
    expect(applied.jobWrites).toBeGreaterThan(4);
    expect(reports).toBeGreaterThan(0);
    expect(await pendingDeltaSummary()).toMatchObject({ deltas: 0, jobs: 0 });
    expect((await stats('A', period)).totals).toMatchObject(count.A);
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  it('reads a report again when counters were applied between its reads of the deltas and of the counters', async () => {
    const count = await busyDay('2026-11-11');
    const period = { from: '2026-11-11', to: '2026-11-12' };
    await pumpStream(busy, 5, { applyPending: false });
    // The worst moment: the report has read the pending deltas; before it reads link A's counter items,
    // every delta is applied (merged, written on the items, deleted). Taken as it stands, that read would
    // count each click twice.
    const pk = (call: SdkCall) => JSON.stringify(call.input.ExpressionAttributeValues ?? {});
    let deltaReads = 0;
    let applied: Awaited<ReturnType<typeof applyDeltas>> | undefined;
    const stop = watchSdkCalls(
      async (call) => {
        if (applied || call.command !== 'QueryCommand' || !pk(call).includes('STATS#')) return;
        // Hold the counter read until the report's four delta reads have answered.
        while (deltaReads < ALL_DELTA_SLOTS.length) await new Promise((r) => setTimeout(r, 5));
        applied = await applyDeltas(ALL_DELTA_SLOTS);
      },
      {
        settled: (call) => {
          if (!applied && call.command === 'QueryCommand' && pk(call).includes('DELTA#')) deltaReads++;
        },
      },
    );
    let report: Awaited<ReturnType<typeof stats>>;
    try {
      report = await stats('A', period);
    } finally {
      stop();
    }
    expect(applied?.deltasApplied).toBeGreaterThan(0);
    expect(report.totals).toMatchObject(count.A);
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  it('refuses to repair counters while deltas it cannot apply are pending, and changes nothing', async () => {
    await busyDay('2026-11-09');
    await pumpStream(busy, 5, { applyPending: false });
    // Every job start is throttled, so nothing can be applied.
    await withSdkFault(
      ({ command, input }) =>
        command === 'PutItemCommand' && JSON.stringify(input.Item ?? {}).includes('counter_job'),
      () => sdkError('ThrottlingException', 'injected: throttled'),
      () => expect(recount({ repair: true })).rejects.toThrow(/still pending.*Nothing was changed/),
    );
    // The deltas are intact: applied now, every counter matches the raw clicks.
    await applyDeltas(ALL_DELTA_SLOTS);
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  it('applies what a busy stream left pending on the scheduled invocation once it is old enough', async () => {
    const count = await busyDay('2026-11-08');
    const period = { from: '2026-11-08', to: '2026-11-09' };
    await pumpStream(busy, 5, { applyPending: false });
    const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event' } as const;

    // Younger than AGGREGATE_FLUSH_SECONDS (900): left pending, and counted in the stats all the same.
    await aggregateHandler(scheduled);
    expect((await pendingDeltaSummary()).clicks).toBe(30);
    expect((await stats('C', period)).totals).toMatchObject(count.C);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 901_000);
    await aggregateHandler(scheduled);
    vi.useRealTimers();
    await expectAllApplied(count, period);
  });

  it('leaves applying to the scheduled run: the stream consumer writes no counter item, however old the pending deltas', async () => {
    const count = await busyDay('2026-11-15');
    const period = { from: '2026-11-15', to: '2026-11-16' };
    await pumpStream(busy, 5, { applyPending: false });

    // One more click, aggregated 16 minutes later: the pending deltas are then past
    // AGGREGATE_FLUSH_SECONDS, yet the consumer only commits its batch (ADR 0061).
    vi.useFakeTimers({ toFake: ['Date'] });
    at('2026-11-15T12:00:00Z');
    await clickAs({}, 'A');
    vi.useRealTimers();
    count.A.clicks++;
    const later = Date.now() + 960_000;
    const counterWrites: string[] = [];
    const stopWatching = watchSdkCalls(({ command, input }) => {
      const key = JSON.stringify(input.Key ?? {});
      if (command === 'UpdateItemCommand' && /STATS#/.test(key)) counterWrites.push(key);
    });
    try {
      await pumpStream((records) => aggregateRecords(records, { maxTransactionItems: 6, now: later }), 5, {
        applyPending: false,
      });
    } finally {
      stopWatching();
    }
    expect(counterWrites).toEqual([]);
    expect((await pendingDeltaSummary()).clicks).toBe(31);
    await expectCounted(count, period);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(later);
    await aggregateHandler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    vi.useRealTimers();
    await expectAllApplied(count, period);
  });
  it('keeps applying while a busy stream fills slots again during the scheduled run', async () => {
    process.env.AGGREGATE_FLUSH_CLICKS = '5'; // a busy stream in miniature: 5 clicks make a slot due
    resetConfig();
    try {
      const count = await busyDay('2026-11-16');
      const period = { from: '2026-11-16', to: '2026-11-17' };
      await pumpStream(busy, 5, { applyPending: false });
      expect((await pendingDeltaSummary()).clicks).toBe(30);

      // While the run writes its first counter item, six more clicks come and are aggregated: their
      // slot is due again before the run would end.
      let arrived = false;
      const stopWatching = watchSdkCalls(async ({ command, input }) => {
        if (arrived || command !== 'UpdateItemCommand' || !/STATS#/.test(JSON.stringify(input.Key ?? {})))
          return;
        arrived = true;
        vi.useFakeTimers({ toFake: ['Date'] });
        for (let i = 0; i < 6; i++) {
          at(`2026-11-16T15:${String(i).padStart(2, '0')}:00Z`);
          await clickAs({}, 'C');
        }
        vi.useRealTimers();
        await pumpStream(busy, 5, { applyPending: false });
      });
      try {
        await aggregateHandler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
      } finally {
        stopWatching();
      }
      expect(arrived).toBe(true);
      count.C.clicks += 6;
      await expectAllApplied(count, period);
    } finally {
      delete process.env.AGGREGATE_FLUSH_CLICKS;
      resetConfig();
    }
  });
});
