import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as apiHandler } from '#handlers/api';
import { setupApp } from '../support/app';
import { httpEvent, type RequestOptions } from '../support/events';
import { bodyOf, expectApiError, scanAll } from '../support/inspect';

type App = Awaited<ReturnType<typeof setupApp>>;
type Role = 'admin' | 'editor' | 'viewer';
interface CreatedKey {
  id: string;
  name: string;
  role: Role;
  key: string;
  createdAt: string;
  lastFour: string;
}

let app: App;

const as = (key: string, options: RequestOptions) => apiHandler(httpEvent({ ...options, key }));

async function createKey(role: Role, name = `${role} key`): Promise<CreatedKey> {
  const res = await app.api({ method: 'POST', path: '/api/keys', body: { name, role } });
  expect(res.statusCode, res.body).toBe(201);
  return bodyOf<CreatedKey>(res);
}

async function listKeys(): Promise<Array<Record<string, unknown>>> {
  const res = await app.api({ path: '/api/keys' });
  expect(res.statusCode).toBe(200);
  return bodyOf<{ items: Array<Record<string, unknown>> }>(res).items;
}

beforeAll(async () => {
  app = await setupApp();
});

describe('creating keys', () => {
  it.each(['admin', 'editor', 'viewer'] as const)(
    'creates a %s key whose secret is shown once and works',
    async (role) => {
      const created = await createKey(role, `ci ${role}`);
      expect(created).toMatchObject({ name: `ci ${role}`, role });
      expect(created.id).toEqual(expect.any(String));
      expect(created.key).toEqual(expect.any(String));
      expect(created.key.length).toBeGreaterThanOrEqual(32);
      expect(created.lastFour).toBe(created.key.slice(-4));
      expect(created).not.toHaveProperty('hash');
      // The secret authenticates.
      expect((await as(created.key, { path: '/api/links' })).statusCode).toBe(200);
      // Listed without the secret (or its hash).
      const listed = (await listKeys()).find((k) => k.id === created.id);
      expect(listed).toMatchObject({ id: created.id, name: `ci ${role}`, role, lastFour: created.lastFour });
      expect(listed).not.toHaveProperty('key');
      expect(listed).not.toHaveProperty('hash');
      expect(JSON.stringify(await listKeys())).not.toContain(created.key);
    },
  );

  it('stores keys hashed: no secret appears anywhere in the table', async () => {
    const created = [await createKey('admin'), await createKey('editor'), await createKey('viewer')];
    const items = await scanAll();
    const dump = JSON.stringify(items);
    for (const { key } of [...created, { key: app.adminKey }]) {
      expect(dump).not.toContain(key);
      // Nor the secret part without its public prefix (all but the last four characters shown as lastFour).
      const secretPart = (/^tp_[a-z0-9]{12}_(.+)$/.exec(key)?.[1] ?? key).slice(0, -4);
      expect(secretPart.length).toBeGreaterThan(8);
      expect(dump).not.toContain(secretPart);
    }
    for (const { key, id } of created) {
      const stored = items.find((i) => i.entity === 'api_key' && JSON.stringify(i).includes(id));
      expect(stored, `no stored item for key ${id}`).toBeDefined();
      const sha = createHash('sha256').update(key).digest('hex');
      expect(JSON.stringify(stored)).toContain(sha);
    }
  });

  it('lists keys newest last or first, but every key exactly once', async () => {
    const a = await createKey('viewer', 'list a');
    const b = await createKey('viewer', 'list b');
    const ids = (await listKeys()).map((k) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
  });
});

describe('role permissions', () => {
  let keys: Record<Role, string>;
  let linkId: string;

  beforeAll(async () => {
    keys = {
      admin: (await createKey('admin', 'matrix admin')).key,
      editor: (await createKey('editor', 'matrix editor')).key,
      viewer: (await createKey('viewer', 'matrix viewer')).key,
    };
    const res = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url: 'https://shop.example/m', touchpoint: 'matrix', stage: 'awareness' },
    });
    linkId = bodyOf(res).id;
  });

  const link = { url: 'https://shop.example/m2', touchpoint: 'matrix', stage: 'awareness' };
  // [what, request, lowest role allowed]
  const MATRIX: Array<[string, () => Promise<RequestOptions>, Role]> = [
    ['list links', async () => ({ path: '/api/links' }), 'viewer'],
    ['read a link', async () => ({ path: `/api/links/${linkId}` }), 'viewer'],
    ['download a QR code', async () => ({ path: `/api/links/${linkId}/qr` }), 'viewer'],
    ['read link stats', async () => ({ path: `/api/links/${linkId}/stats` }), 'viewer'],
    ['read touchpoints', async () => ({ path: '/api/touchpoints' }), 'viewer'],
    ['list journeys', async () => ({ path: '/api/journeys' }), 'viewer'],
    ['read a journey', async () => ({ path: '/api/journeys/default' }), 'viewer'],
    ['read a funnel', async () => ({ path: '/api/journeys/default/funnel' }), 'viewer'],
    ['create a link', async () => ({ method: 'POST', path: '/api/links', body: link }), 'editor'],
    [
      'bulk-create links',
      async () => ({ method: 'POST', path: '/api/links/bulk', body: { links: [link] } }),
      'editor',
    ],
    [
      'edit a link',
      async () => ({ method: 'PATCH', path: `/api/links/${linkId}`, body: { campaign: 'matrix' } }),
      'editor',
    ],
    [
      'archive a link',
      async () => {
        const res = await app.api({ method: 'POST', path: '/api/links', body: link });
        return { method: 'DELETE', path: `/api/links/${bodyOf(res).id}` };
      },
      'editor',
    ],
    [
      'define a journey',
      async () => ({ method: 'PUT', path: '/api/journeys/matrix', body: { stages: ['one', 'two'] } }),
      'admin',
    ],
    [
      'create a key',
      async () => ({ method: 'POST', path: '/api/keys', body: { name: 'm', role: 'viewer' } }),
      'admin',
    ],
    ['list keys', async () => ({ path: '/api/keys' }), 'admin'],
    [
      'revoke a key',
      async () => ({ method: 'DELETE', path: `/api/keys/${(await createKey('viewer', 'to revoke')).id}` }),
      'admin',
    ],
  ];
  const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

  for (const role of ['viewer', 'editor', 'admin'] as const) {
    it.each(MATRIX)(`${role}: %s`, async (_what, request, lowest) => {
      const res = await as(keys[role], await request());
      if (RANK[role] >= RANK[lowest]) {
        expect(res.statusCode, res.body).toBeGreaterThanOrEqual(200);
        expect(res.statusCode, res.body).toBeLessThan(300);
      } else {
        expectApiError(res, 403, 'forbidden');
        expect(bodyOf(res).error.message).toMatch(role);
      }
    });
  }
});

describe('revoking keys', () => {
  it('a revoked key answers 401 afterwards, and is no longer listed', async () => {
    const key = await createKey('editor', 'short-lived');
    expect((await as(key.key, { path: '/api/links' })).statusCode).toBe(200);
    const res = await app.api({ method: 'DELETE', path: `/api/keys/${key.id}` });
    expect(res.statusCode).toBe(204);
    expectApiError(await as(key.key, { path: '/api/links' }), 401, 'unauthorized');
    expectApiError(
      await as(key.key, {
        method: 'POST',
        path: '/api/links',
        body: { url: 'https://shop.example/r', touchpoint: 'r', stage: 'awareness' },
      }),
      401,
      'unauthorized',
    );
    expect((await listKeys()).map((k) => k.id)).not.toContain(key.id);
    expectApiError(await app.api({ method: 'DELETE', path: `/api/keys/${key.id}` }), 404, 'not_found');
  });

  it('the last admin key cannot be revoked (409); once another admin exists it can', async () => {
    const me = (await listKeys()).find((k) => k.name === 'test admin')!;
    expect(me).toBeDefined();
    // Revoke every other admin key, leaving this one the last.
    for (const k of await listKeys()) {
      if (k.role === 'admin' && k.id !== me.id) {
        expect((await app.api({ method: 'DELETE', path: `/api/keys/${k.id}` })).statusCode).toBe(204);
      }
    }
    const res = await app.api({ method: 'DELETE', path: `/api/keys/${me.id}` });
    expectApiError(res, 409, 'conflict');
    expect((await app.api({ path: '/api/keys' })).statusCode).toBe(200);

    const next = await createKey('admin', 'next admin');
    expect((await app.api({ method: 'DELETE', path: `/api/keys/${me.id}` })).statusCode).toBe(204);
    expectApiError(await app.api({ path: '/api/keys' }), 401, 'unauthorized');
    // The new admin carries on, and is now the last one.
    app = { ...app, adminKey: next.key, api: (options) => as(next.key, options) };
    expectApiError(await app.api({ method: 'DELETE', path: `/api/keys/${next.id}` }), 409, 'conflict');
  });

  it('revoking the last two admin keys at the same time leaves one admin key', async () => {
    const other = await createKey('admin', 'racing admin');
    const admins = (await listKeys()).filter((k) => k.role === 'admin');
    expect(admins).toHaveLength(2);
    const results = await Promise.all(
      admins.map((k) => app.api({ method: 'DELETE', path: `/api/keys/${k.id}` })),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([204, 409]);
    const remaining = (await scanAll()).filter(
      (i) => i.entity === 'api_key' && (i.key as { role?: string })?.role === 'admin',
    );
    expect(remaining).toHaveLength(1);
    expect(other.id).toEqual(expect.any(String));
  });
});
