import { describe, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type { funnel, LinkStats, touchpointTable } from '#analytics/stats-service';
import type { ApiKeyView } from '#auth/model';
import type { createApiKey } from '#auth/service';
import type { Journey } from '#journeys/model';
import type { LinkView } from '#links/model';
import type { listLinks } from '#links/service';
import type * as responses from '#shared/openapi-responses';

/**
 * The services' answers are TypeScript types; the document's response schemas are zod. These checks run
 * in `npm run typecheck` (and vitest): a field added to, removed from or retyped in an answer fails until
 * functions/shared/openapi-responses.ts says the same.
 */
type Out<T extends z.ZodType> = z.output<T>;
type Answer<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

describe('response schemas of the OpenAPI document', () => {
  it('have the types the services return', () => {
    expectTypeOf<Out<typeof responses.linkResponse>>().toEqualTypeOf<LinkView>();
    expectTypeOf<Out<typeof responses.linkPageResponse>>().toEqualTypeOf<Answer<typeof listLinks>>();
    expectTypeOf<Out<typeof responses.linkStatsResponse>>().toEqualTypeOf<LinkStats>();
    expectTypeOf<Out<typeof responses.touchpointTableResponse>>().toEqualTypeOf<
      Answer<typeof touchpointTable>
    >();
    // Spreads and intersections: assignable both ways (expect-type's identity check tells them apart).
    expectTypeOf<Out<typeof responses.funnelResponse>>().toExtend<Answer<typeof funnel>>();
    expectTypeOf<Answer<typeof funnel>>().toExtend<Out<typeof responses.funnelResponse>>();
    expectTypeOf<Out<typeof responses.journeyResponse>>().toEqualTypeOf<Journey>();
    expectTypeOf<Out<typeof responses.apiKeyResponse>>().toEqualTypeOf<ApiKeyView>();
    expectTypeOf<Out<typeof responses.createdApiKeyResponse>>().toExtend<Answer<typeof createApiKey>>();
    expectTypeOf<Answer<typeof createApiKey>>().toExtend<Out<typeof responses.createdApiKeyResponse>>();
  });
});
