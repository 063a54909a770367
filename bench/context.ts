import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SdkCounter } from './sdk-counter';

/** What the figures that need the local runtime share: its URL, the admin key, the SDK counter. */
export interface BenchContext {
  url: string;
  host: string;
  apiKey: string;
  tableName: string;
  counter: SdkCounter;
}

export const BROWSER_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';

/**
 * The user agents the redirect load rotates through (each connection cycles the list): a realistic mix
 * of phones, tablets and desktops, so the per-user-agent memo in classify.ts sees repeats, as in
 * production, but not a single string.
 */
export const LOAD_USER_AGENTS = [
  BROWSER_UA,
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/125.0.6422.80 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 12; moto g(60)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36',
];

/**
 * The context every runtime figure needs, for a local runtime already started (after it, the shared
 * DynamoDB client exists and its endpoint is set): requests are counted at that client from here on.
 */
export async function benchContext(runtime: { url: string; apiKey: string }): Promise<BenchContext> {
  const { SdkCounter } = await import('./sdk-counter');
  const { dynamoClient } = await import('#shared/dynamo');
  return {
    url: runtime.url,
    host: new URL(runtime.url).host,
    apiKey: runtime.apiKey,
    tableName: process.env.TABLE_NAME ?? 'touchpoint',
    counter: new SdkCounter().install(dynamoClient),
  };
}

/** One API call over HTTP to the local server (the real handlers behind it). */
export async function api<T = unknown>(
  ctx: BenchContext,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T; bytes: number }> {
  const res = await fetch(`${ctx.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ctx.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as T, bytes: Buffer.byteLength(text) };
}

export async function apiOk<T = unknown>(
  ctx: BenchContext,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await api<T>(ctx, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(res.json)}`);
  return res.json;
}

/** Writes items with BatchWriteItem, `concurrency` requests in flight, retrying unprocessed ones. */
export async function writeItems(
  ctx: BenchContext,
  items: Record<string, unknown>[],
  concurrency = 8,
): Promise<void> {
  const { db } = await import('#shared/dynamo');
  let next = 0;
  const worker = async () => {
    for (;;) {
      const start = next;
      next += 25;
      if (start >= items.length) return;
      let requests = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        const res = await db.send(new BatchWriteCommand({ RequestItems: { [ctx.tableName]: requests } }));
        requests = (res.UnprocessedItems?.[ctx.tableName] ?? []) as typeof requests;
        if (requests.length) await new Promise((r) => setTimeout(r, Math.min(500, 20 * 2 ** attempt)));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
