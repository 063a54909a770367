import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalRuntime } from '#local/runtime';
import { DynamoProxy } from '../support/dynamo-proxy';
import { BROWSER_UA, clickEvent } from '../support/events';
import { captureStderr } from '../support/stderr';

/**
 * Issue 16: the customer never waits for the click write. DynamoDB Local sits behind a TCP proxy that
 * can hold every request (stall) or slow each one down (delay). Each way the redirect is served — the
 * local server, the streaming function URL handler, the HTTP API handler — is checked by order of
 * events, not by timing: the 302 is out while the PutItem is still held at the proxy (the HTTP API
 * fallback, which cannot answer first, is the opposite), and every click is stored in the end.
 */
const API_KEY = 'first-admin-key-0123456789abcdef';
const TABLE = `first_${Math.random().toString(36).slice(2, 10)}`;

let proxy: DynamoProxy;
let runtime: LocalRuntime;
let inspect: typeof import('../support/inspect');

beforeAll(async () => {
  proxy = await DynamoProxy.start(inject('dynamoEndpoint'));
  // Before the app modules load: the shared DynamoDB client is created with the endpoint it finds.
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
  const { freePort } = await import('#local/dynamodb-local');
  const { startLocalRuntime } = await import('#local/runtime');
  runtime = await startLocalRuntime({
    port: await freePort(),
    dynamodbEndpoint: proxy.endpoint,
    tableName: TABLE,
    apiKey: API_KEY,
    aggregate: false,
  });
  inspect = await import('../support/inspect');
});

afterEach(() => {
  proxy.delay(0);
  proxy.resume();
});

afterAll(async () => {
  await runtime?.stop();
  await proxy?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 10 ms for up to 3 s; fails with `what` if it never holds. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await sleep(10);
  expect(check(), what).toBe(true);
}

let n = 0;
/** A fresh link, already in the redirect's cache (one redirect), with that first click stored. */
async function cachedLink(): Promise<{ id: string; slug: string }> {
  n++;
  const res = await fetch(`${runtime.url}/api/links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      url: `https://shop.example/first/${n}`,
      touchpoint: `first-${n}`,
      stage: 'decision',
    }),
  });
  expect(res.status).toBe(201);
  const link = (await res.json()) as { id: string; slug: string };
  expect((await redirectOverHttp(link.slug)).status).toBe(302);
  await runtime.clickWrites.settled();
  return link;
}

function redirectOverHttp(slug: string): Promise<Response> {
  return fetch(`${runtime.url}/${slug}`, { redirect: 'manual', headers: { 'user-agent': BROWSER_UA } });
}

/** A Lambda response stream stand-in that records what the function URL would receive. */
function responseStream() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  const received = () => {
    const all = Buffer.concat(chunks);
    const end = all.indexOf(Buffer.alloc(8));
    expect(end, 'a metadata prelude ended by 8 NUL bytes').toBeGreaterThan(0);
    return {
      metadata: JSON.parse(all.subarray(0, end).toString('utf8')) as {
        statusCode: number;
        headers: Record<string, string>;
        cookies?: string[];
      },
      body: all.subarray(end + 8).toString('utf8'),
    };
  };
  return { stream, received };
}

describe('the local server', () => {
  it('sends the 302 while the click write is still held at DynamoDB, then stores the click', async () => {
    const link = await cachedLink();
    proxy.stall();
    const res = await redirectOverHttp(link.slug);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`https://shop.example/first/${n}`);
    expect(res.headers.get('referrer-policy')).toBeNull(); // the browser's default applies (ADR 0026)
    // The customer has the 302; its click write has not finished — it is (or is about to be) held.
    expect(runtime.clickWrites.size).toBe(1);
    await until('the click write reaches the proxy', () => proxy.heldOperations().includes('PutItem'));
    expect(runtime.clickWrites.size).toBe(1);
    proxy.resume();
    await runtime.clickWrites.settled();
    expect(await inspect.storedClicks(link.id)).toHaveLength(2);
  });

  it('with DynamoDB 80 ms slower, stores every click without a single replay line', async () => {
    const link = await cachedLink();
    proxy.delay(80);
    const lines = await captureStderr(async () => {
      for (let batch = 0; batch < 5; batch++) {
        const answers = await Promise.all(Array.from({ length: 8 }, () => redirectOverHttp(link.slug)));
        for (const res of answers) expect(res.status).toBe(302);
      }
      await runtime.clickWrites.settled();
    });
    expect(lines.filter((l) => l.includes('click_write_failed'))).toEqual([]);
    expect(await inspect.storedClicks(link.id)).toHaveLength(1 + 40);
  });

  it('past its bound on writes in flight, holds the next answer until an earlier write ends', async () => {
    const { ClickWritesInFlight } = await import('#local/click-writes');
    const { requestListener } = await import('#local/server');
    const { handler: api } = await import('#handlers/api');
    const { respondToRedirect: redirect } = await import('#handlers/redirect');
    const link = await cachedLink();
    const writes = new ClickWritesInFlight(2);
    const server = createServer(requestListener({ api, redirect }, writes));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    const port = (server.address() as AddressInfo).port;
    const get = () =>
      fetch(`http://127.0.0.1:${port}/${link.slug}`, {
        redirect: 'manual',
        headers: { 'user-agent': BROWSER_UA, host: new URL(runtime.url).host },
      });
    try {
      proxy.stall();
      expect((await get()).status).toBe(302);
      expect((await get()).status).toBe(302);
      let third: Response | undefined;
      const answer = get().then((res) => {
        third = res;
      });
      await until('both writes are held', () => proxy.heldOperations().length >= 2);
      await sleep(100);
      expect(third, 'the third answer waits for a write slot').toBeUndefined();
      expect(writes.size).toBe(2);
      proxy.resume();
      await answer;
      expect(third!.status).toBe(302);
      await writes.settled();
      expect(await inspect.storedClicks(link.id)).toHaveLength(1 + 3);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('the streaming function URL handler (redirect-url.ts)', () => {
  it('writes the 302 and ends the stream, then awaits the held click write in the same invocation', async () => {
    const { handler } = await import('#handlers/redirect-url');
    const link = await cachedLink();
    const { stream, received } = responseStream();
    proxy.stall();
    let invocationDone = false;
    const invocation = handler(clickEvent(link.slug), stream as never, {} as Context);
    Promise.resolve(invocation).then(() => {
      invocationDone = true;
    });
    await until('the response stream is ended', () => stream.writableFinished);
    const { metadata, body } = received();
    expect(metadata.statusCode).toBe(302);
    expect(metadata.headers.location).toBe(`https://shop.example/first/${n}`);
    expect(metadata.headers['cache-control']).toBe('no-store');
    expect(metadata.headers['referrer-policy']).toBeUndefined();
    expect(metadata.cookies?.[0]).toMatch(/^tp_vid=/);
    expect(body).toBe('');
    // The customer has their answer; the invocation is still waiting for the write, which reaches
    // DynamoDB (and is held there) after the stream has ended.
    await until('the click write is held at DynamoDB', () => proxy.heldOperations().includes('PutItem'));
    expect(invocationDone).toBe(false);
    proxy.resume();
    await invocation;
    expect(await inspect.storedClicks(link.id)).toHaveLength(2);
  });

  it('answers an unknown slug with the error JSON', async () => {
    const { handler } = await import('#handlers/redirect-url');
    const { stream, received } = responseStream();
    await handler(clickEvent('no-such-slug-here'), stream as never, {} as Context);
    const { metadata, body } = received();
    expect(metadata.statusCode).toBe(404);
    expect(JSON.parse(body).error.code).toBe('not_found');
  });
});

describe('the HTTP API handler (the fallback)', () => {
  it('cannot answer first: it returns only once the click write is done', async () => {
    const { handler } = await import('#handlers/redirect');
    const link = await cachedLink();
    proxy.stall();
    let answered = false;
    const answer = handler(clickEvent(link.slug)).then((result) => {
      answered = true;
      return result;
    });
    await until('the click write reaches the proxy', () => proxy.heldOperations().includes('PutItem'));
    expect(answered).toBe(false);
    proxy.resume();
    expect((await answer).statusCode).toBe(302);
    expect(await inspect.storedClicks(link.id)).toHaveLength(2);
  });
});
