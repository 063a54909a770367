import { dashboardAsset } from '../../dashboard/assets';
import { json } from '../../shared/http';
import { openApiDocument } from '../../shared/openapi';
import type { ApiAction } from '../context';

export const healthAction: ApiAction = {
  permission: null,
  run: async () => json(200, { status: 'ok' }),
};

export const openApiAction: ApiAction = {
  permission: null,
  run: async () => json(200, openApiDocument(), { 'cache-control': 'public, max-age=300' }),
};

export const dashboardAction: ApiAction = {
  permission: null,
  run: async (ctx) => dashboardAsset(ctx.params.asset ?? 'index.html'),
};
