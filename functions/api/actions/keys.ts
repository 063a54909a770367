import type { ApiAction } from '#api/context';
import { createKeySchema } from '#auth/model';
import { createApiKey, listKeys, revokeKey } from '#auth/service';
import { json, noContent, parseWith } from '#shared/http';

export const createKeyAction: ApiAction = {
  permission: 'admin',
  run: async (ctx) => json(201, await createApiKey(parseWith(createKeySchema, ctx.body(), 'API key'))),
};

export const listKeysAction: ApiAction = {
  permission: 'admin',
  run: async () => json(200, { items: await listKeys() }),
};

export const revokeKeyAction: ApiAction<'/api/keys/{id}'> = {
  permission: 'admin',
  run: async (ctx) => {
    await revokeKey(ctx.params.id);
    return noContent();
  },
};
