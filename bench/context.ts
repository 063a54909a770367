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
