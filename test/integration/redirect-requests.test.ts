import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { replayClickLog, replayComplete } from '#clicks/replay';
import { clickItem } from '#clicks/repository';
import { db } from '#shared/dynamo';
import { setupApp } from '../support/app';
import { clickOn, SAMPLE_LINK } from '../support/clicks';
import { bodyOf, storedClicks } from '../support/inspect';
import { recordSdkCalls } from '../support/sdk-calls';
import { captureStderr } from '../support/stderr';

/**
 * Issue 2, items 5 and 6: with the link cached, a redirect makes exactly one DynamoDB request (the click
 * PutItem); when that write fails the customer is still redirected, and the click goes to one
 * structured log line that the replay re-inserts exactly once.
 */
type App = Awaited<ReturnType<typeof setupApp>>;

// As behind CloudFront, so the logged click carries a country (read when the config is first used).
process.env.TOUCHPOINT_TRUST_EDGE_HEADERS = '1';

let app: App;
let n = 0;

async function freshLink(): Promise<{ id: string; slug: string }> {
  n++;
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: `https://shop.example/hot/${n}`, touchpoint: `hot-${n}`, stage: 'decision' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return bodyOf(res);
}

/** The name of every command the shared DynamoDB client sends while `fn` runs. */
async function countRequests(fn: () => Promise<unknown>): Promise<string[]> {
  return (await recordSdkCalls(fn)).calls.map((c) => c.command);
}

function visitorCookie(cookies: string[] | undefined): string {
  const cookie = cookies?.find((c) => c.startsWith('tp_vid='));
  expect(cookie).toBeDefined();
  return cookie!.split(';')[0]!;
}

beforeAll(async () => {
  app = await setupApp();
});

describe('requests per redirect', () => {
  it('with the link cached, each redirect makes exactly one DynamoDB request: the click PutItem', async () => {
    const link = await freshLink();
    const warmUp = await app.click(link.slug);
    expect(warmUp.statusCode).toBe(302);
    const cookie = visitorCookie(warmUp.cookies);
    const variants: Array<Parameters<App['click']>[1]> = [
      {},
      { cookies: [cookie] },
      { query: { r: 'qr' } },
      { cookies: [cookie], query: { x: '1' } },
    ];
    for (const options of variants) {
      const commands = await countRequests(async () => {
        expect((await app.click(link.slug, options)).statusCode).toBe(302);
      });
      expect(commands, JSON.stringify(options)).toEqual(['PutItemCommand']);
    }
    expect(await storedClicks(link.id)).toHaveLength(5);
  });

  it('also with Global Privacy Control once the daily salt is known', async () => {
    const link = await freshLink();
    await app.click(link.slug, { headers: { 'sec-gpc': '1' } });
    const commands = await countRequests(async () => {
      expect((await app.click(link.slug, { headers: { 'sec-gpc': '1' } })).statusCode).toBe(302);
    });
    expect(commands).toEqual(['PutItemCommand']);
  });

  it('a cold redirect reads the link once (GetItem) and writes the click once', async () => {
    const { clearLinkCache } = await import('#links/cache');
    const link = await freshLink();
    clearLinkCache();
    const commands = await countRequests(async () => {
      expect((await app.click(link.slug)).statusCode).toBe(302);
    });
    expect(commands.sort()).toEqual(['GetItemCommand', 'PutItemCommand']);
  });

  it('HEAD of a cached link makes no DynamoDB request at all', async () => {
    const link = await freshLink();
    await app.click(link.slug);
    const commands = await countRequests(async () => {
      expect((await app.click(link.slug, { method: 'HEAD' })).statusCode).toBe(302);
    });
    expect(commands).toEqual([]);
  });
});

describe('when the click write fails', () => {
  let mock: ReturnType<typeof mockClient> | undefined;

  afterEach(() => {
    mock?.restore();
    mock = undefined;
  });

  const FAULTS: Array<[string, () => Error]> = [
    [
      'throttled (ProvisionedThroughputExceededException)',
      () =>
        new ProvisionedThroughputExceededException({
          message: 'The level of configured provisioned throughput for the table was exceeded.',
          $metadata: { httpStatusCode: 400 },
        }),
    ],
    [
      'timed out (TimeoutError)',
      () => Object.assign(new Error('Request timed out after 800 ms'), { name: 'TimeoutError' }),
    ],
    [
      'aborted (AbortError)',
      () => Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }),
    ],
    ['a network failure', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ];

  it.each(FAULTS)(
    '%s: the customer is redirected, one log line holds the click, replay stores it once',
    async (_what, fault) => {
      const link = await freshLink();
      const warmUp = await app.click(link.slug, { query: { r: 'qr' } });
      const cookie = visitorCookie(warmUp.cookies);
      const visitorId = cookie.split('=')[1];
      expect(await storedClicks(link.id)).toHaveLength(1);

      mock = mockClient(DynamoDBDocumentClient);
      mock.on(PutCommand).rejects(fault());
      mock.on(GetCommand).rejects(new Error('the link should have been served from the cache'));
      let result: Awaited<ReturnType<App['click']>> | undefined;
      const lines = await captureStderr(async () => {
        result = await app.click(link.slug, {
          cookies: [cookie],
          query: { r: 'qr', coupon: 'A1' },
          headers: { referer: 'https://news.example/article/42', 'cloudfront-viewer-country': 'FR' },
        });
      });
      expect(mock.commandCalls(PutCommand)).toHaveLength(1);
      mock.restore();
      mock = undefined;

      // The customer never notices.
      expect(result!.statusCode).toBe(302);
      expect(result!.headers?.location).toBe(`https://shop.example/hot/${n}?coupon=A1`);
      expect(result!.headers?.['cache-control']).toBe('no-store');

      // Exactly one structured JSON line, with the whole click.
      const failures = lines.filter((l) => l.includes('click_write_failed'));
      expect(failures).toHaveLength(1);
      const logged = JSON.parse(failures[0]!);
      expect(logged.message).toBe('click_write_failed');
      expect(logged.item).toMatchObject({
        entity: 'click',
        linkId: link.id,
        slug: link.slug,
        source: 'scan',
        visitorId,
        bot: false,
        referrer: 'news.example',
        country: 'FR',
      });
      expect(logged.item.pk).toMatch(/^CLICK#/);
      expect(logged.item.sk).toEqual(expect.any(String));
      expect(failures[0]).not.toContain('203.0.113.7'); // the event's source IP: never logged either
      expect(await storedClicks(link.id)).toHaveLength(1);

      // Replay re-inserts it, once.
      const first = await replayClickLog(lines);
      expect(first).toMatchObject({ lines: 1, inserted: 1, alreadyStored: 0, failed: 0 });
      const clicks = await storedClicks(link.id);
      expect(clicks).toHaveLength(2);
      const replayed = clicks.filter((c) => c.id === logged.item.id);
      expect(replayed).toHaveLength(1);
      expect(replayed[0]).toEqual(logged.item);

      const second = await replayClickLog(lines);
      expect(second).toMatchObject({ lines: 1, inserted: 0, alreadyStored: 1, failed: 0 });
      expect(await storedClicks(link.id)).toHaveLength(2);
    },
  );

  it('replay ignores other log lines and lines that are not JSON', async () => {
    const result = await replayClickLog([
      'START RequestId: 123 Version: $LATEST',
      '{"level":"info","message":"aggregate_batch"}',
      '2026-11-24T08:00:00.000Z\t123\tERROR\t{not json',
      '',
    ]);
    expect(result).toEqual({
      lines: 0,
      inserted: 0,
      alreadyStored: 0,
      failed: 0,
      unreadable: 0,
      invalid: 0,
      expired: 0,
    });
  });

  it('replay refuses clicks past their retention and items that are not clicks, and says so', async () => {
    const link = { ...SAMPLE_LINK, ...(await freshLink()) };
    const logLine = (item: unknown) =>
      JSON.stringify({ level: 'ERROR', message: 'click_write_failed', item });
    const now = new Date();
    const fresh = clickItem(clickOn(link, { id: 'replayFresh01', at: now.toISOString() }), 5, 30);
    // Clicked 31 days ago with a 30-day retention: it may have been stored, counted and expired since.
    const old = new Date(now.getTime() - 31 * 86_400_000).toISOString();
    const expired = clickItem(clickOn(link, { id: 'replayOld0001', at: old }), 5, 30);
    const { visitorId: _, ...withoutVisitor } = clickItem(clickOn(link, { id: 'replayBad0001' }), 5, 30);
    const result = await replayClickLog(
      [logLine(fresh), logLine(expired), logLine(withoutVisitor), logLine(fresh).slice(0, 120)],
      now,
    );
    expect(result).toEqual({
      lines: 3,
      inserted: 1,
      alreadyStored: 0,
      failed: 0,
      unreadable: 1,
      invalid: 1,
      expired: 1,
    });
    expect((await storedClicks(link.id)).map((c) => c.id)).toEqual(['replayFresh01']);
    expect(replayComplete(result)).toBe(false);
  });

  it('replay reads CloudWatch-style lines (timestamp and request id before the JSON)', async () => {
    const link = await freshLink();
    const warmUp = await app.click(link.slug);
    const cookie = visitorCookie(warmUp.cookies);
    mock = mockClient(db);
    mock.on(PutCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const lines = await captureStderr(async () => {
      expect((await app.click(link.slug, { cookies: [cookie] })).statusCode).toBe(302);
    });
    mock.restore();
    mock = undefined;
    const line = lines.find((l) => l.includes('click_write_failed'))!;
    const cloudwatch = `2026-11-24T08:00:00.000Z\tc0ffee-1234\tERROR\t${line}`;
    expect(await replayClickLog([cloudwatch])).toMatchObject({ inserted: 1 });
    expect(await storedClicks(link.id)).toHaveLength(2);
  });

  it('`npm run replay` (bin/replay.ts) re-inserts from a log file or stdin, idempotently', async () => {
    const link = await freshLink();
    const cookie = visitorCookie((await app.click(link.slug)).cookies);
    mock = mockClient(db);
    mock.on(PutCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const lines = await captureStderr(async () => {
      expect((await app.click(link.slug, { cookies: [cookie], query: { r: 'qr' } })).statusCode).toBe(302);
      expect((await app.click(link.slug, { cookies: [cookie] })).statusCode).toBe(302);
    });
    mock.restore();
    mock = undefined;
    expect(lines.filter((l) => l.includes('click_write_failed'))).toHaveLength(2);
    expect(await storedClicks(link.id)).toHaveLength(1);

    const dir = mkdtempSync(join(tmpdir(), 'touchpoint-replay-'));
    try {
      const file = join(dir, 'export.log');
      // As exported from CloudWatch Logs: timestamp, request id and level before each JSON line.
      writeFileSync(
        file,
        ['START RequestId: r1', ...lines.map((l) => `2026-11-24T08:00:00.000Z\tr1\tERROR\t${l}`), 'END'].join(
          '\n',
        ),
      );
      const run = promisify(execFile);
      const cwd = resolve(__dirname, '../..');
      const first = await run('npx', ['tsx', 'bin/replay.ts', file], { cwd, env: process.env });
      expect(first.stdout).toMatch(/2 inserted, 0 already stored, 0 failed/);
      expect(await storedClicks(link.id)).toHaveLength(3);
      const again = await run('npx', ['tsx', 'bin/replay.ts', file], { cwd, env: process.env });
      expect(again.stdout).toMatch(/0 inserted, 2 already stored, 0 failed/);
      // From stdin as well.
      const child = execFile('npx', ['tsx', 'bin/replay.ts'], { cwd, env: process.env });
      let stdout = '';
      child.stdout!.on('data', (d) => {
        stdout += d;
      });
      child.stdin!.end(`${lines.join('\n')}\n`);
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(0);
      expect(stdout).toMatch(/0 inserted, 2 already stored, 0 failed/);
      expect(await storedClicks(link.id)).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
