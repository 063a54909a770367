import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalRuntime } from '#local/runtime';
import { DynamoProxy } from '../support/dynamo-proxy';
import { BROWSER_UA } from '../support/events';
import { captureStderr } from '../support/stderr';

/**
 * Issue 14 item 2: DynamoDB stalls (stops answering, does not fail fast) for seconds while the link
 * cache expires. The local server (`npm start`, the same handlers and core as Lambda) runs against a
 * TCP proxy in front of DynamoDB Local that stops forwarding. Redirects of a known link keep answering
 * within ~1 s (served from the stale cache entry), an unknown slug answers 503 at once, and after the
 * stall and `npm run replay` of the logged clicks, the clicks counted equal the 302s sent.
 */
const API_KEY = 'stall-admin-key-0123456789abcdef';
const TABLE = `stall_${Math.random().toString(36).slice(2, 10)}`;
const STALL_MS = 4_000;

let proxy: DynamoProxy;
let runtime: LocalRuntime;

beforeAll(async () => {
  proxy = await DynamoProxy.start(inject('dynamoEndpoint'));
  // Before the app modules load: the shared DynamoDB client is created with the endpoint it finds.
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
  process.env.LINK_CACHE_TTL_SECONDS = '1';
  const { freePort } = await import('#local/dynamodb-local');
  const { startLocalRuntime } = await import('#local/runtime');
  runtime = await startLocalRuntime({
    port: await freePort(),
    dynamodbEndpoint: proxy.endpoint,
    tableName: TABLE,
    apiKey: API_KEY,
    batchingWindowMs: 100,
  });
});

afterAll(async () => {
  proxy?.resume();
  await runtime?.stop();
  await proxy?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function get(path: string): Promise<{ res: Response; ms: number; text: string }> {
  const started = performance.now();
  const res = await fetch(`${runtime.url}${path}`, {
    redirect: 'manual',
    headers: { 'user-agent': BROWSER_UA },
    // A redirect that hangs fails here rather than holding the test until the stall is over.
    signal: AbortSignal.timeout(3_000),
  });
  const text = await res.text();
  return { res, ms: performance.now() - started, text };
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json();
}

describe('a DynamoDB stall while the link cache expires', () => {
  it('keeps redirecting within ~1 s, answers 503 for unknown slugs, and loses no click after replay', async () => {
    const link = await api('POST', '/api/links', {
      url: 'https://shop.example/stall',
      touchpoint: 'stall-poster',
      stage: 'awareness',
    });
    let sent = 0;
    const warm = await get(`/${link.slug}`);
    expect(warm.res.status).toBe(302);
    sent++;
    await runtime.clickWrites.settled(); // its click is stored before the stall

    proxy.stall();
    const during: Array<{ status: number; ms: number }> = [];
    const unknown: Array<{ res: Response; ms: number; text: string }> = [];
    const lines = await captureStderr(async () => {
      const stallEnds = performance.now() + STALL_MS;
      await sleep(1_100); // the cache entry (1 s) has expired: every redirect now needs DynamoDB
      while (performance.now() < stallEnds) {
        const { res, ms } = await get(`/${link.slug}`);
        during.push({ status: res.status, ms });
        if (res.status === 302) sent++;
        if (unknown.length < 3) {
          const miss = await get('/no-such-link-during-stall');
          unknown.push(miss);
        }
        await sleep(150);
      }
      // The writes still running when the stall ends are given up on (and logged) at their deadline.
      await runtime.clickWrites.settled();
    });
    proxy.resume();

    // Enough redirects to see the stall through (each is checked below); a loaded machine makes fewer.
    expect(during.length).toBeGreaterThanOrEqual(3);
    for (const r of during) {
      expect(r.status).toBe(302);
      expect(r.ms).toBeLessThan(1_000);
    }
    for (const miss of unknown) {
      expect(miss.res.status).toBe(503);
      expect(miss.res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(miss.res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(miss.text).error.code).toBe('service_unavailable');
      expect(miss.ms).toBeLessThan(1_000);
    }

    const failed = lines.filter((l) => l.includes('"click_write_failed"'));
    expect(failed.length).toBe(during.length);
    // Each names the request it belongs to (the local server's id), though the writes ran after the answers,
    // and each is also counted as a metric line (an alarm in AWS).
    const ids = failed.map((l) => JSON.parse(l).correlation_id);
    expect(ids.every((id) => typeof id === 'string' && id.startsWith('local-'))).toBe(true);
    expect(new Set(ids).size).toBe(failed.length);
    expect(lines.filter((l) => l.includes('"ClickWritesFailed"')).length).toBe(failed.length);
    const dir = mkdtempSync(join(tmpdir(), 'touchpoint-stall-'));
    try {
      const file = join(dir, 'redirect.log');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const replay = await promisify(execFile)('npx', ['tsx', 'bin/replay.ts', file], {
        cwd: resolve(__dirname, '../..'),
        env: { ...process.env, DYNAMODB_ENDPOINT: proxy.endpoint, TABLE_NAME: TABLE },
      });
      // A write given up on just as the stall ended may still have landed: replay then skips it.
      expect(replay.stdout).toMatch(new RegExp(`Found ${failed.length} failed clicks: .* 0 failed`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // Counted by the aggregator from the stream, as the stats API reports them.
    let clicks = -1;
    for (let i = 0; i < 60 && clicks !== sent; i++) {
      if (i) await sleep(250);
      clicks = (await api('GET', `/api/links/${link.id}/stats`)).totals.clicks;
    }
    expect(clicks).toBe(sent);
  }, 60_000);
});
