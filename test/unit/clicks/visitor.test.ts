import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import type { ClickEvent } from '#clicks/model';
import { isMintingClick } from '#clicks/model';
import { useEnvironmentClickPartition } from '#clicks/partition';
import { clickItem, clickPartition } from '#clicks/repository';
import { identifyVisitor, type VisitorRequest } from '#clicks/visitor';
import { db } from '#shared/dynamo';
import { keys } from '#shared/keys';
import { clickOn, SAMPLE_LINK } from '../../support/clicks';

/** ADR 0015: a minted visitor id names the click that minted it. */
const request = (overrides: Partial<VisitorRequest> = {}): VisitorRequest => ({
  cookieHeader: undefined,
  cookies: undefined,
  globalPrivacyControl: false,
  cookiesEnabled: true,
  clientAddress: '203.0.113.9',
  userAgent: 'Mozilla/5.0',
  secure: true,
  retentionDays: 395,
  now: new Date('2026-11-24T10:11:12.345Z'),
  ...overrides,
});

const clickOf = (visitorId: string, at: string, id = visitorId): ClickEvent =>
  clickOn(SAMPLE_LINK, { id, at, source: 'scan', visitorId, newVisitor: true });

describe('minted visitor ids', () => {
  it('name the click that minted them: its time, and a key the redirect stores that click under', async () => {
    const req = request();
    const visitor = await identifyVisitor(req);
    expect(visitor.isNew).toBe(true);
    const first = keys.firstClick(visitor.id)!;
    expect(first.at).toBe(req.now.toISOString());
    const click = clickOf(visitor.id, req.now.toISOString());
    expect(isMintingClick(click)).toBe(true);
    const item = clickItem(click, clickPartition(click), 395);
    expect({ pk: item.pk, sk: item.sk }).toEqual(first.key);
  });

  it("are stored under this environment's raw-click key, like its other clicks (ADR 0058)", async () => {
    for (const partition of [0, 7, 31]) {
      useEnvironmentClickPartition(partition);
      const minted = await identifyVisitor(request());
      expect(keys.firstClick(minted.id)?.partition).toBe(partition);
      const later = clickOf(minted.id, '2026-11-24T10:20:00.000Z', 'laterClickId');
      expect(clickPartition(later)).toBe(partition);
    }
  });

  it('name no click for hashed ids (h_) or other strings, or for a click that did not mint its id', () => {
    expect(keys.firstClick('v_SomeOtherVisitor01234')).toBeUndefined();
    expect(keys.firstClick('h_abcdefghijklmnopqrstuv')).toBeUndefined();
    const id = keys.mintedVisitorId(Date.parse('2026-11-24T10:00:00Z'), 7, 'abcdefghijk');
    expect(isMintingClick(clickOf(id, '2026-11-24T10:05:00.000Z', 'otherClickId'))).toBe(false);
    expect(isMintingClick({ ...clickOf(id, '2026-11-24T10:00:00.000Z'), newVisitor: undefined })).toBe(false);
  });

  it('keep a visitor cookie we minted and replace any other one', async () => {
    const minted = (await identifyVisitor(request())).id;
    expect(await identifyVisitor(request({ cookies: [`tp_vid=${minted}`] }))).toEqual({
      id: minted,
      isNew: false,
      setCookie: null,
    });
    // A format that never shipped (development builds minted `v_` ids) gets a new id.
    expect((await identifyVisitor(request({ cookies: ['tp_vid=v_LegacyVisitor01234567'] }))).isNew).toBe(
      true,
    );
    const forged = await identifyVisitor(request({ cookies: ['tp_vid=m_zzzzzzzzz<script>'] }));
    expect(forged.isNew).toBe(true);
  });

  it('keep the first click stored for two days after the cookie that names it expires', async () => {
    const req = request({ retentionDays: 30 });
    const visitor = await identifyVisitor(req);
    const maxAge = Number(/Max-Age=(\d+)/.exec(visitor.setCookie!)![1]);
    const first = clickOf(visitor.id, req.now.toISOString());
    const cookieExpires = Math.floor(req.now.getTime() / 1000) + maxAge;
    expect(clickItem(first, clickPartition(first), 30).ttl - cookieExpires).toBeGreaterThanOrEqual(
      2 * 86400 - 1,
    );
    // Other clicks expire after the retention period itself.
    const later = { ...clickOf(visitor.id, req.now.toISOString(), 'laterClick01'), newVisitor: undefined };
    expect(clickItem(later, 0, 30).ttl).toBe(Math.floor(req.now.getTime() / 1000) + 30 * 86400);
  });

  it('set a cookie that does not outlive the stored click it names', async () => {
    const maxAge = async (retentionDays: number) =>
      Number(/Max-Age=(\d+)/.exec((await identifyVisitor(request({ retentionDays }))).setCookie!)![1]);
    expect(await maxAge(30)).toBe(30 * 86400);
    expect(await maxAge(395)).toBe(395 * 86400);
    expect(await maxAge(3650)).toBe(400 * 86400); // browsers cap cookies at 400 days
  });
});

describe('cookieless visitor ids while DynamoDB is down', () => {
  it('use an instance salt, and ask DynamoDB again only after a second (one redirect a second waits)', async () => {
    const mock = mockClient(db);
    mock.on(GetCommand).rejects(Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' }));
    try {
      const at = (ms: number) =>
        request({ globalPrivacyControl: true, now: new Date(Date.parse('2026-11-24T10:00:00.000Z') + ms) });
      const first = await identifyVisitor(at(0));
      expect(mock.commandCalls(GetCommand)).toHaveLength(1);
      // The next redirects within the second use the instance's salt without asking: same person, same id.
      for (const ms of [10, 400, 999]) expect((await identifyVisitor(at(ms))).id).toBe(first.id);
      expect(mock.commandCalls(GetCommand)).toHaveLength(1);
      // Then DynamoDB is asked again (and, still down, the same instance salt keeps the id).
      expect((await identifyVisitor(at(1_000))).id).toBe(first.id);
      expect(mock.commandCalls(GetCommand)).toHaveLength(2);
    } finally {
      mock.restore();
    }
  });
});
