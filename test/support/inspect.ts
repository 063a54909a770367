import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { db } from '#shared/dynamo';
import type { HttpResult } from '#shared/http';

/** Test-only helpers to look at what the app stored (tests may Scan; the app never does). */

export type Item = Record<string, unknown>;

/** A response body as tests read it: free-form JSON. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are free-form JSON in tests
export type Json = Record<string, any>;

/** Every item of a table (this test file's table unless another is named). */
export async function scanAll(tableName = process.env.TABLE_NAME!): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await db.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...((res.Items ?? []) as Item[]));
    startKey = res.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export async function countItems(tableName?: string): Promise<number> {
  return (await scanAll(tableName)).length;
}

/** Raw click items, optionally only those of one link. */
export async function storedClicks(linkId?: string, tableName?: string): Promise<Item[]> {
  const items = await scanAll(tableName);
  return items.filter((i) => i.entity === 'click' && (linkId === undefined || i.linkId === linkId));
}

/** The parsed JSON body of a handler result. */
export function bodyOf<T = Json>(result: HttpResult): T {
  return JSON.parse(result.body ?? 'null') as T;
}

const STACK_TRACE = /\n\s+at\s|node_modules|\/work\/|\.ts:\d+|\.js:\d+/;

/**
 * Asserts the error contract of docs/design.md §4: the status, a JSON body `{error: {code, message}}` with a
 * snake_case code and a sentence for a person, and no stack trace or file paths.
 */
export function expectApiError(result: HttpResult, status: number | number[], code?: string): void {
  const statuses = Array.isArray(status) ? status : [status];
  expect(statuses, `status ${result.statusCode}, body ${result.body?.slice(0, 300)}`).toContain(
    result.statusCode,
  );
  expect(result.headers?.['content-type'] ?? '').toMatch(/^application\/json/);
  const body = bodyOf<{ error?: { code?: unknown; message?: unknown } }>(result);
  expect(body.error, `body ${result.body?.slice(0, 300)}`).toBeTypeOf('object');
  expect(body.error!.code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  if (code) expect(body.error!.code).toBe(code);
  expect(body.error!.message).toBeTypeOf('string');
  expect((body.error!.message as string).length).toBeGreaterThan(10);
  expect(result.body ?? '').not.toMatch(STACK_TRACE);
}

/** Every field of a Link in the API contract (docs/design.md §4). */
export const LINK_FIELDS = [
  'id',
  'domain',
  'slug',
  'shortUrl',
  'qrContent',
  'url',
  'touchpoint',
  'stage',
  'journey',
  'channel',
  'category',
  'campaign',
  'tags',
  'utm',
  'expiresAt',
  'maxClicks',
  'fallbackUrl',
  'trackConversions',
  'status',
  'createdAt',
  'updatedAt',
] as const;
