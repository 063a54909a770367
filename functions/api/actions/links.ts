import type { ApiAction, ApiContext } from '#api/context';
import type { LinkView } from '#links/model';
import { bulkCreateSchema, createLinkSchema, listLinksQuerySchema, updateLinkSchema } from '#links/schema';
import { archiveLink, createLink, getLink, linkEtag, listLinks, updateLink, view } from '#links/service';
import { AppError } from '#shared/errors';
import { errorBody, header, json, noContent, parseWith } from '#shared/http';

/** A link answered with its version (ETag, for If-Match) and, when created, where it lives. */
function linkResponse(status: number, link: LinkView, created = false) {
  const headers: Record<string, string> = { etag: linkEtag(link) };
  if (created) headers.location = `/api/links/${link.id}`;
  return json(status, link, headers);
}

const ifMatchOf = (ctx: Pick<ApiContext, 'event'>) => header(ctx.event, 'if-match');

export const createLinkAction: ApiAction = {
  permission: 'write_links',
  run: async (ctx) =>
    linkResponse(201, await createLink(parseWith(createLinkSchema, ctx.body(), 'link')), true),
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
    const summary = { results, created, failed: results.length - created };
    if (created > 0) return json(201, summary);
    // Nothing was created: an error answer like any other (the shared status of the failures, else
    // 400), with the per-link results beside the error so a client can still read them by index.
    const failures = results as { status: number; error: { code: string } }[];
    const statuses = new Set(failures.map((f) => f.status));
    const codes = new Set(failures.map((f) => f.error.code));
    const status = statuses.size === 1 ? (failures[0]?.status ?? 400) : 400;
    const code = codes.size === 1 ? (failures[0]?.error.code ?? 'validation_error') : 'validation_error';
    const message =
      results.length === 1
        ? 'The link was not created; see results for its error.'
        : `None of the ${results.length} links was created; see results for each one's error.`;
    return json(status, { ...errorBody(code, message), ...summary });
  },
};

export const listLinksAction: ApiAction = {
  permission: 'read',
  run: async (ctx) =>
    json(200, await listLinks(parseWith(listLinksQuerySchema, ctx.query, 'query parameter'))),
};

export const getLinkAction: ApiAction<'/api/links/{id}'> = {
  permission: 'read',
  run: async (ctx) => linkResponse(200, view(await getLink(ctx.params.id))),
};

export const updateLinkAction: ApiAction<'/api/links/{id}'> = {
  permission: 'write_links',
  run: async (ctx) => {
    const input = parseWith(updateLinkSchema, ctx.body(), 'link');
    return linkResponse(200, view(await updateLink(ctx.params.id, input, { ifMatch: ifMatchOf(ctx) })));
  },
};

export const archiveLinkAction: ApiAction<'/api/links/{id}'> = {
  permission: 'write_links',
  run: async (ctx) => {
    await archiveLink(ctx.params.id, { ifMatch: ifMatchOf(ctx) });
    return noContent();
  },
};
