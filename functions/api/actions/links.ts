import {
  bulkCreateSchema,
  createLinkSchema,
  listLinksQuerySchema,
  updateLinkSchema,
} from '../../links/schema';
import { archiveLink, createLink, getLink, listLinks, updateLink, view } from '../../links/service';
import { AppError } from '../../shared/errors';
import { errorBody, json, noContent, parseWith } from '../../shared/http';
import type { ApiAction } from '../context';

export const createLinkAction: ApiAction = {
  permission: 'write_links',
  run: async (ctx) => json(201, await createLink(parseWith(createLinkSchema, ctx.body(), 'link'))),
};

/** Each link is validated and created on its own; one bad link does not fail the others. */
export const bulkCreateLinksAction: ApiAction = {
  permission: 'write_links',
  run: async (ctx) => {
    const { links } = parseWith(bulkCreateSchema, ctx.body(), 'body');
    const results: unknown[] = [];
    for (const [index, raw] of links.entries()) {
      try {
        results.push({ link: await createLink(parseWith(createLinkSchema, raw, `links[${index}]`)) });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        results.push({ ...errorBody(err.code, err.message, err.details), status: err.status });
      }
    }
    const created = results.filter((r) => 'link' in (r as object)).length;
    // 201 when anything was created; when nothing was, the shared status of the failures (or 400).
    const statuses = new Set(results.map((r) => (r as { status?: number }).status));
    const status = created > 0 ? 201 : statuses.size === 1 ? ([...statuses][0] ?? 400) : 400;
    return json(status, { results, created, failed: results.length - created });
  },
};

export const listLinksAction: ApiAction = {
  permission: 'read',
  run: async (ctx) =>
    json(200, await listLinks(parseWith(listLinksQuerySchema, ctx.query, 'query parameter'))),
};

export const getLinkAction: ApiAction<'/api/links/{id}'> = {
  permission: 'read',
  run: async (ctx) => json(200, view(await getLink(ctx.params.id))),
};

export const updateLinkAction: ApiAction<'/api/links/{id}'> = {
  permission: 'write_links',
  run: async (ctx) =>
    json(200, await updateLink(ctx.params.id, parseWith(updateLinkSchema, ctx.body(), 'link'))),
};

export const archiveLinkAction: ApiAction<'/api/links/{id}'> = {
  permission: 'write_links',
  run: async (ctx) => {
    await archiveLink(ctx.params.id);
    return noContent();
  },
};
