import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { FunnelReport } from '#analytics/funnel-report';
import { setupApp } from '../support/app';
import { parseBody } from '../support/events';
import { pumpStream } from '../support/stream';

/**
 * Simulated visitors through the real redirect path, each with their own cookie, where the funnel's
 * answer is known in advance: a planted weak touchpoint, one that is only a little lower by chance,
 * a weak stage transition, known delays to the next stage, and a touchpoint that barely reaches anyone.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
const slugs: Record<string, string> = {};
const HOUR = 3_600_000;

type Funnel = FunnelReport;

async function funnel(journey: string, query: Record<string, string> = {}): Promise<Funnel> {
  const res = await app.api({ path: `/api/journeys/${journey}/funnel`, query });
  expect(res.statusCode, res.body).toBe(200);
  return parseBody<Funnel>(res);
}

async function defineJourney(name: string, stages: string[]) {
  const res = await app.api({ method: 'PUT', path: `/api/journeys/${name}`, body: { stages } });
  expect(res.statusCode, res.body).toBe(201);
}

async function link(journey: string, touchpoint: string, stage: string) {
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: `https://brand.example/${touchpoint}`, touchpoint, stage, journey },
  });
  expect(res.statusCode, res.body).toBe(201);
  slugs[`${journey}/${touchpoint}`] = parseBody<{ slug: string }>(res).slug;
}

/** A visitor: the first click gets a cookie, later clicks send it back, like a browser. */
function visitor() {
  let cookie: string | undefined;
  return async (journey: string, touchpoint: string, when: number) => {
    vi.setSystemTime(when);
    const res = await app.click(slugs[`${journey}/${touchpoint}`]!, {
      cookies: cookie ? [cookie] : undefined,
    });
    expect(res.statusCode).toBe(302);
    cookie ??= res.cookies?.[0]?.split(';')[0];
  };
}

const T0 = Date.parse('2026-10-01T08:00:00Z');

beforeAll(async () => {
  app = await setupApp();
  await defineJourney('launch', ['awareness', 'research', 'purchase', 'support']);
  for (const tp of ['tv-spot', 'ig-reel', 'bus-poster', 'radio', 'qr-packaging'])
    await link('launch', tp, 'awareness');
  await link('launch', 'pricing-page', 'research');
  await link('launch', 'checkout-link', 'purchase');
  await link('launch', 'help-center', 'support');

  vi.useFakeTimers({ toFake: ['Date'] });
  // Awareness touchpoints: 40 visitors each, of whom 20 / 20 / 4 / 18 go on to research 2 h later;
  // qr-packaging reaches 2 visitors, neither goes on.
  const plan: Array<[string, number, number]> = [
    ['tv-spot', 40, 20],
    ['ig-reel', 40, 20],
    ['bus-poster', 40, 4],
    ['radio', 40, 18],
    ['qr-packaging', 2, 0],
  ];
  let n = 0;
  let researchers = 0;
  for (const [tp, visitors, progressing] of plan) {
    for (let i = 0; i < visitors; i++) {
      const click = visitor();
      const start = T0 + n++ * 60_000; // one visitor a minute, all on Oct 1
      await click('launch', tp, start);
      if (i >= progressing) continue;
      await click('launch', 'pricing-page', start + 2 * HOUR);
      // Every other researcher buys a day later (31 buyers); 4 of them open the help centre 2 days after.
      if (researchers % 2 === 0) {
        await click('launch', 'checkout-link', start + 26 * HOUR);
        if (researchers % 20 === 0) await click('launch', 'help-center', start + 74 * HOUR);
      }
      researchers++;
    }
  }

  // Edge cases in a second journey: skipping stages, clicks out of order, the window boundary.
  await defineJourney('edge', ['first', 'second', 'third']);
  await link('edge', 'e1', 'first');
  await link('edge', 'e2', 'second');
  await link('edge', 'e3', 'third');
  const E0 = Date.parse('2026-10-10T00:00:00Z');
  const skipper = visitor(); // first → third directly: progressed from first
  await skipper('edge', 'e1', E0);
  await skipper('edge', 'e3', E0 + 5 * HOUR);
  const backwards = visitor(); // reaches the last stage first, then the first: no progress from first
  await backwards('edge', 'e3', E0);
  await backwards('edge', 'e1', E0 + HOUR);
  const onTheBoundary = visitor(); // exactly 3 days later: inside a 3-day window
  await onTheBoundary('edge', 'e1', E0);
  await onTheBoundary('edge', 'e2', E0 + 72 * HOUR);
  const justOutside = visitor(); // 3 days and 1 hour later: outside a 3-day window
  await justOutside('edge', 'e1', E0);
  await justOutside('edge', 'e2', E0 + 73 * HOUR);

  await defineJourney('single', ['only']);
  await link('single', 's1', 'only');
  await visitor()('single', 's1', E0);
  await defineJourney('empty', ['a', 'b']);
  vi.useRealTimers();

  // Deliver in small batches so a visitor's clicks are spread over many batches.
  await pumpStream(undefined, 25);
});

describe('journey funnel', () => {
  const period = { from: '2026-10-01', to: '2026-10-31' };

  it('reports visitors, progression, conversion, drop-off and median hours per stage', async () => {
    const f = await funnel('launch', period);
    expect(f.stages).toEqual([
      {
        stage: 'awareness',
        goal: false,
        visitors: 162,
        progressed: 62,
        conversionRate: 0.3827,
        dropOff: 0.6173,
        medianHoursToNext: 2,
      },
      {
        stage: 'research',
        goal: false,
        visitors: 62,
        progressed: 31,
        conversionRate: 0.5,
        dropOff: 0.5,
        medianHoursToNext: 24,
      },
      {
        stage: 'purchase',
        goal: false,
        visitors: 31,
        progressed: 4,
        conversionRate: 0.129,
        dropOff: 0.871,
        medianHoursToNext: 48,
      },
      {
        stage: 'support',
        goal: false,
        visitors: 4,
        progressed: 0,
        conversionRate: null,
        dropOff: null,
        medianHoursToNext: null,
      },
    ]);
  });

  it('reports each touchpoint’s progression', async () => {
    const f = await funnel('launch', period);
    const tp = Object.fromEntries(f.touchpoints.map((t) => [t.touchpoint, t]));
    expect(tp['tv-spot']).toMatchObject({
      stage: 'awareness',
      visitors: 40,
      progressed: 20,
      progressionRate: 0.5,
    });
    expect(tp['bus-poster']).toMatchObject({ visitors: 40, progressed: 4, progressionRate: 0.1 });
    expect(tp.radio).toMatchObject({ visitors: 40, progressed: 18, progressionRate: 0.45 });
    expect(tp['pricing-page']).toMatchObject({ stage: 'research', visitors: 62, progressed: 31 });
  });

  it('flags the planted weak touchpoint, and not the one that is only a little lower', async () => {
    const f = await funnel('launch', period);
    const flagged = f.bottlenecks.filter((b) => b.kind === 'touchpoint');
    expect(flagged.map((b) => b.touchpoint)).toEqual(['bus-poster']);
    const [weak] = flagged;
    // Others at awareness: (20 + 20 + 18 + 0) / (40 + 40 + 40 + 2) = 58/122.
    expect(weak!.rate).toBe(0.1);
    expect(weak!.baselineRate).toBeCloseTo(58 / 122, 4);
    expect(weak!.lostVisitors).toBe(Math.round(40 * (58 / 122 - 0.1)));
    expect(weak!.pValue).toBeLessThan(0.05);
    expect(weak!.message).toMatch(/bus-poster/);
  });

  it('names the weakest stage transition among stages with at least 30 visitors', async () => {
    const f = await funnel('launch', period);
    const stage = f.bottlenecks.find((b) => b.kind === 'stage');
    expect(stage).toMatchObject({ stage: 'purchase', rate: 0.129 });
    expect(stage!.message).toMatch(/purchase/);
    expect(stage!.message).toMatch(/support/);
  });

  it('flags a touchpoint that reaches under 10% of its stage’s median as low reach', async () => {
    const f = await funnel('launch', period);
    expect(f.bottlenecks.filter((b) => b.kind === 'low_reach').map((b) => b.touchpoint)).toEqual([
      'qr-packaging',
    ]);
  });

  it('applies the conversion window, boundary included', async () => {
    const threeDays = await funnel('edge', { ...period, window: '3' });
    const first = threeDays.stages.find((s) => s.stage === 'first')!;
    // Four visitors reached `first`: the skipper progressed (5 h), backwards did not, the boundary
    // visitor progressed at exactly 72 h, the last one at 73 h is outside a 3-day window.
    expect(first).toMatchObject({ visitors: 4, progressed: 2 });
    const fourDays = await funnel('edge', { ...period, window: '4' });
    expect(fourDays.stages.find((s) => s.stage === 'first')).toMatchObject({ visitors: 4, progressed: 3 });
  });

  it('counts skipped stages as progress and leaves them unreached', async () => {
    const f = await funnel('edge', { ...period, window: '30' });
    const byStage = Object.fromEntries(f.stages.map((s) => [s.stage, s]));
    expect(byStage.second!.visitors).toBe(2);
    expect(byStage.third!.visitors).toBe(2);
    expect(byStage.first!.medianHoursToNext).toBe(72); // delays 5, 72, 73 → median 72
  });

  it('handles a one-stage journey and an empty journey without inventing numbers', async () => {
    const single = await funnel('single', period);
    expect(single.stages).toEqual([
      {
        stage: 'only',
        goal: false,
        visitors: 1,
        progressed: 0,
        conversionRate: null,
        dropOff: null,
        medianHoursToNext: null,
      },
    ]);
    const empty = await funnel('empty', period);
    expect(empty.stages.map((s) => s.visitors)).toEqual([0, 0]);
    expect(empty.touchpoints).toEqual([]);
    expect(empty.bottlenecks).toEqual([]);
  });

  it('excludes visitors whose first visit to a stage is outside the period', async () => {
    const f = await funnel('launch', { from: '2026-10-02', to: '2026-10-31' });
    // Everyone reached awareness and research on Oct 1; buyers reached purchase on Oct 2.
    expect(f.stages.map((s) => s.visitors)).toEqual([0, 0, 31, 4]);
  });

  it('answers CSV with stage, touchpoint and bottleneck rows', async () => {
    const res = await app.api({ path: '/api/journeys/launch/funnel', query: { ...period, format: 'csv' } });
    expect(res.headers?.['content-type']).toMatch(/^text\/csv/);
    const lines = res.body!.trim().split('\r\n');
    expect(lines[0]).toBe(
      'section,stage,touchpoint,visitors,progressed,rate,dropOff,medianHoursToNext,message',
    );
    expect(lines).toContain('stage,awareness,,162,62,0.3827,0.6173,2,');
    expect(lines.some((l) => l.startsWith('bottleneck:touchpoint,awareness,bus-poster,'))).toBe(true);
  });
});
