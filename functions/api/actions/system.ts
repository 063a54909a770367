import { readFileSync } from 'node:fs';
import type { ApiAction } from '#api/context';
import { dashboardAsset } from '#dashboard/assets';
import { json } from '#shared/http';

export const healthAction: ApiAction = {
  permission: null,
  run: async () => json(200, { status: 'ok' }),
};

/**
 * The OpenAPI document is generated into openapi.json next to this file (scripts/build-openapi.ts) and the
 * stack's afterBundling hook copies it next to the Lambda bundle, so `./openapi.json` relative to the
 * running module resolves both from the sources (tsx, vitest) and in Lambda. Serving the file keeps the
 * document's builder out of the api bundle, which every cold start loads (docs/benchmarks.md). Read once,
 * at the first request that asks for it.
 */
let openApiDocument: unknown;

export const openApiAction: ApiAction = {
  permission: null,
  run: async () => {
    openApiDocument ??= JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8'));
    return json(200, openApiDocument, { 'cache-control': 'public, max-age=300' });
  },
};

export const dashboardAction: ApiAction = {
  permission: null,
  run: async (ctx) => dashboardAsset(ctx.params.asset ?? 'index.html'),
};
