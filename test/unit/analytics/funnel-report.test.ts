import { describe, expect, it } from 'vitest';
import {
  buildFunnelReport,
  type FunnelInput,
  type FunnelReport,
  formatPercent,
  type TouchpointCounter,
} from '#analytics/funnel-report';

const DEFAULT_STAGES = ['awareness', 'consideration', 'decision', 'retention', 'advocacy'];

/** A touchpoint with `visitors` visitors of whom `progressed` progressed after `hours` hours. */
function tp(
  touchpoint: string,
  stage: string,
  visitors: number,
  progressed: number,
  hours = 5,
): TouchpointCounter {
  return { touchpoint, stage, visitors, delayHistogram: progressed > 0 ? { [hours]: progressed } : {} };
}

function report(partial: Partial<FunnelInput>): FunnelReport {
  return buildFunnelReport({
    stages: DEFAULT_STAGES,
    stageCounters: {},
    touchpoints: [],
    windowDays: 30,
    ...partial,
  });
}

/** Every number anywhere in a value, for "no NaN anywhere" checks. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('stages', () => {
  it('computes visitors, progressed, rates and median per stage', () => {
    const r = report({
      stageCounters: {
        awareness: { visitors: 300, delayHistogram: { 1: 50, 3: 40, 48: 10 } },
        consideration: { visitors: 3, delayHistogram: { 2: 1 } },
      },
    });
    expect(r.stages[0]).toEqual({
      stage: 'awareness',
      goal: false,
      visitors: 300,
      progressed: 100,
      conversionRate: 0.3333,
      dropOff: 0.6667,
      // 100 values: the 50th and 51st are 1 and 3
      medianHoursToNext: 2,
    });
    expect(r.stages[1]).toEqual({
      stage: 'consideration',
      goal: false,
      visitors: 3,
      progressed: 1,
      conversionRate: 0.3333,
      dropOff: 0.6667,
      medianHoursToNext: 2,
    });
    // A stage without counters: 0 visitors, null rates.
    expect(r.stages[2]).toEqual({
      stage: 'decision',
      goal: false,
      visitors: 0,
      progressed: 0,
      conversionRate: null,
      dropOff: null,
      medianHoursToNext: null,
    });
  });

  it('the last stage has no later stage: progressed 0 and null rates', () => {
    const r = report({ stageCounters: { advocacy: { visitors: 500, delayHistogram: { 3: 20 } } } });
    expect(r.stages.at(-1)).toEqual({
      stage: 'advocacy',
      goal: false,
      visitors: 500,
      progressed: 0,
      conversionRate: null,
      dropOff: null,
      medianHoursToNext: null,
    });
    expect(r.bottlenecks).toEqual([]);
  });

  it('applies the window to progressed and to the median', () => {
    // W = 2 days = 48 hours: 48 is in, 49 and 800 are out.
    const counters = { awareness: { visitors: 100, delayHistogram: { 2: 1, 48: 3, 49: 2, 800: 10 } } };
    const r = report({ stageCounters: counters, windowDays: 2 });
    expect(r.stages[0]).toMatchObject({ progressed: 4, conversionRate: 0.04, dropOff: 0.96 });
    // [2, 48, 48, 48] → (48 + 48) / 2; the slow converters beyond the window do not pull it up.
    expect(r.stages[0]!.medianHoursToNext).toBe(48);
    const wide = report({ stageCounters: counters, windowDays: 90 });
    expect(wide.stages[0]).toMatchObject({ progressed: 16, conversionRate: 0.16 });
  });

  it('caps progressed at visitors when counters disagree', () => {
    const r = report({ stageCounters: { awareness: { visitors: 0, delayHistogram: { 2: 4 } } } });
    expect(r.stages[0]).toMatchObject({
      visitors: 0,
      progressed: 0,
      conversionRate: null,
      medianHoursToNext: null,
    });
  });
});

describe('touchpoints', () => {
  it('computes progression per touchpoint, sorted by journey order then visitors', () => {
    const r = report({
      touchpoints: [
        tp('thank-you-email', 'advocacy', 40, 0),
        tp('newsletter', 'consideration', 50, 10),
        tp('ig-ad', 'awareness', 100, 25),
        tp('poster', 'awareness', 120, 12, 2000), // progressed after the 30-day window
        tp('empty', 'decision', 0, 0),
      ],
    });
    expect(r.touchpoints).toEqual([
      { touchpoint: 'poster', stage: 'awareness', visitors: 120, progressed: 0, progressionRate: 0 },
      { touchpoint: 'ig-ad', stage: 'awareness', visitors: 100, progressed: 25, progressionRate: 0.25 },
      {
        touchpoint: 'newsletter',
        stage: 'consideration',
        visitors: 50,
        progressed: 10,
        progressionRate: 0.2,
      },
      { touchpoint: 'empty', stage: 'decision', visitors: 0, progressed: 0, progressionRate: null },
      // last stage: no later stage to progress to
      {
        touchpoint: 'thank-you-email',
        stage: 'advocacy',
        visitors: 40,
        progressed: 0,
        progressionRate: null,
      },
    ]);
  });
});

describe('stage bottleneck', () => {
  it('picks the weakest transition among stages with >= 30 visitors', () => {
    const r = report({
      stageCounters: {
        awareness: { visitors: 1000, delayHistogram: { 5: 400 } }, // 40%
        consideration: { visitors: 500, delayHistogram: { 5: 100 } }, // 20%: the weakest eligible
        decision: { visitors: 20, delayHistogram: { 5: 1 } }, // 5% but only 20 visitors: ignored
        retention: { visitors: 100, delayHistogram: { 5: 50 } }, // 50%
        advocacy: { visitors: 5000, delayHistogram: {} }, // last stage: never a candidate
      },
    });
    // baseline = pooled conversion of the other eligible stages = (400 + 50) / (1000 + 100) = 0.40909
    // lostVisitors = 500 × (0.40909 − 0.20) = 104.5 → 105
    expect(r.bottlenecks).toEqual([
      {
        kind: 'stage',
        stage: 'consideration',
        rate: 0.2,
        baselineRate: 0.4091,
        lostVisitors: 105,
        message:
          "Only 20% of visitors who reach consideration go on to decision or a later stage within 30 days, against 41% at the journey's other steps — the weakest step of this journey: about 105 visitors lost.",
      },
    ]);
  });

  it('names the next stage alone when it is the only later stage', () => {
    const r = report({
      stages: ['awareness', 'research', 'purchase'],
      stageCounters: {
        awareness: { visitors: 200, delayHistogram: { 1: 100 } }, // 50%
        research: { visitors: 100, delayHistogram: { 1: 4 } }, // 4%
      },
      windowDays: 7,
    });
    expect(r.bottlenecks).toHaveLength(1);
    expect(r.bottlenecks[0]).toMatchObject({
      stage: 'research',
      rate: 0.04,
      baselineRate: 0.5,
      lostVisitors: 46,
    });
    expect(r.bottlenecks[0]!.message).toBe(
      "Only 4% of visitors who reach research go on to purchase within 7 days, against 50% at the journey's other steps — the weakest step of this journey: about 46 visitors lost.",
    );
  });

  it('with a single eligible stage, reports it without a comparison', () => {
    const r = report({
      stageCounters: {
        awareness: { visitors: 30, delayHistogram: { 1: 3 } },
        consideration: { visitors: 29, delayHistogram: {} },
      },
    });
    expect(r.bottlenecks).toHaveLength(1);
    expect(r.bottlenecks[0]).toMatchObject({
      kind: 'stage',
      stage: 'awareness',
      rate: 0.1,
      baselineRate: 0.1,
      lostVisitors: 0,
    });
    expect(r.bottlenecks[0]!.message).toContain('only step with 30 or more visitors');
  });

  it('no stage with >= 30 visitors: no stage bottleneck', () => {
    const r = report({
      stageCounters: {
        awareness: { visitors: 29, delayHistogram: { 1: 1 } },
        consideration: { visitors: 10, delayHistogram: {} },
      },
    });
    expect(r.bottlenecks).toEqual([]);
  });
});

describe('touchpoint bottleneck', () => {
  it('flags a planted weak touchpoint with the right lostVisitors', () => {
    const r = report({
      touchpoints: [
        tp('spring-poster-lobby', 'awareness', 200, 20), // 10%
        tp('ig-ad', 'awareness', 250, 75), // 30%
        tp('newsletter', 'awareness', 150, 45), // 30%
      ],
    });
    // others pooled: (75 + 45) / (250 + 150) = 120 / 400 = 0.30
    // z = (0.10 − 0.30) / √(0.2333 × 0.7667 × (1/200 + 1/400)) = −5.4602, p = Φ(−5.4602) = 2.378e-8
    // lostVisitors = 200 × (0.30 − 0.10) = 40
    expect(r.bottlenecks).toEqual([
      {
        kind: 'touchpoint',
        stage: 'awareness',
        touchpoint: 'spring-poster-lobby',
        rate: 0.1,
        baselineRate: 0.3,
        lostVisitors: 40,
        pValue: 2.378e-8,
        message:
          "spring-poster-lobby moves 10% of its 200 visitors past awareness within 30 days, against 30% for the stage's other touchpoints: about 40 visitors lost. Check what this touchpoint promises and where it sends people.",
      },
    ]);
  });

  it('does not flag a touchpoint a little lower by chance', () => {
    // 28 of 100 against 120 of 400: z = −0.392, p = 0.348
    const r = report({
      touchpoints: [tp('poster', 'awareness', 100, 28), tp('ig-ad', 'awareness', 400, 120)],
    });
    expect(r.bottlenecks).toEqual([]);
  });

  it('never flags a touchpoint with fewer than 30 visitors', () => {
    // 0 of 29 against 200 of 400 would be hugely significant, but 29 visitors is below the bar.
    const r = report({ touchpoints: [tp('tiny', 'awareness', 29, 0), tp('ig-ad', 'awareness', 400, 200)] });
    expect(r.bottlenecks).toEqual([]);
    // ... while 30 visitors is enough.
    const r30 = report({ touchpoints: [tp('tiny', 'awareness', 30, 0), tp('ig-ad', 'awareness', 400, 200)] });
    expect(r30.bottlenecks.map((b) => [b.kind, b.touchpoint, b.lostVisitors])).toEqual([
      ['touchpoint', 'tiny', 15],
    ]);
  });

  it('needs other touchpoints at the same stage, and ignores the last stage', () => {
    const r = report({
      touchpoints: [
        tp('alone', 'awareness', 500, 5),
        tp('weak-email', 'advocacy', 200, 0),
        tp('strong-email', 'advocacy', 400, 0),
      ],
    });
    expect(r.bottlenecks).toEqual([]);
  });

  it('ranks touchpoint bottlenecks by lostVisitors', () => {
    const r = report({
      touchpoints: [
        tp('small-leak', 'awareness', 100, 10), // vs 0.5: lost ≈ 100 × (0.5 − 0.1) ≈ 40
        tp('big-leak', 'awareness', 400, 40), // vs 0.5: lost ≈ 400 × (0.5 − 0.1) ≈ 160
        tp('anchor', 'awareness', 2000, 1000),
      ],
    });
    expect(r.bottlenecks.map((b) => b.touchpoint)).toEqual(['big-leak', 'small-leak']);
    for (const b of r.bottlenecks) expect(b.pValue).toBeLessThan(0.05);
  });
});

describe('low_reach bottleneck', () => {
  it('flags a touchpoint under 10% of its stage median', () => {
    const r = report({
      stages: ['awareness', 'purchase'],
      touchpoints: [
        tp('ig-ad', 'awareness', 90, 0),
        tp('poster', 'awareness', 85, 0),
        tp('qr-packaging', 'awareness', 3, 0),
      ],
    });
    // median of [3, 85, 90] = 85; 3 < 8.5. rate = 3 / 85 = 0.0353; lostVisitors = 85 − 3 = 82
    expect(r.bottlenecks).toEqual([
      {
        kind: 'low_reach',
        stage: 'awareness',
        touchpoint: 'qr-packaging',
        rate: 0.0353,
        baselineRate: 1,
        lostVisitors: 82,
        message:
          'qr-packaging reached 3 visitors, under 10% of the 85 a typical awareness touchpoint reaches. Check that it is live and easy to find: is the link shared, the poster up, the QR code scannable?',
      },
    ]);
  });

  it('uses the mean of the two middle values for an even count, and works at the last stage', () => {
    const r = report({
      stages: ['awareness', 'purchase'],
      touchpoints: [
        tp('a', 'purchase', 80, 0),
        tp('b', 'purchase', 85, 0),
        tp('c', 'purchase', 90, 0),
        tp('dead', 'purchase', 0, 0),
      ],
    });
    // median of [0, 80, 85, 90] = 82.5; 0 < 8.25
    expect(r.bottlenecks).toHaveLength(1);
    expect(r.bottlenecks[0]).toMatchObject({
      kind: 'low_reach',
      touchpoint: 'dead',
      rate: 0,
      lostVisitors: 83,
    });
    expect(r.bottlenecks[0]!.message).toContain(
      'reached 0 visitors, under 10% of the 82.5 a typical purchase',
    );
  });

  it('is never raised for a lone touchpoint, at exactly 10%, or with a tiny median', () => {
    expect(report({ touchpoints: [tp('alone', 'awareness', 0, 0)] }).bottlenecks).toEqual([]);
    // median of [10, 100, 100] = 100: 10 is not under 10.
    const exact = [tp('a', 'awareness', 100, 0), tp('b', 'awareness', 100, 0), tp('c', 'awareness', 10, 0)];
    expect(report({ touchpoints: exact }).bottlenecks).toEqual([]);
    // median of [0, 5, 8] = 5: below the minimum median of 10.
    const tiny = [tp('a', 'awareness', 0, 0), tp('b', 'awareness', 5, 0), tp('c', 'awareness', 8, 0)];
    expect(report({ touchpoints: tiny }).bottlenecks).toEqual([]);
  });
});

describe('bottleneck order', () => {
  it('stage first, then touchpoints by lostVisitors, then low_reach', () => {
    const r = report({
      stageCounters: {
        awareness: { visitors: 1000, delayHistogram: { 2: 500 } },
        consideration: { visitors: 200, delayHistogram: { 2: 20 } },
      },
      touchpoints: [
        tp('qr-packaging', 'awareness', 2, 0),
        tp('poster', 'awareness', 300, 30),
        tp('ig-ad', 'awareness', 600, 400),
        tp('flyer', 'awareness', 100, 5),
      ],
    });
    expect(r.bottlenecks.map((b) => [b.kind, b.touchpoint ?? b.stage])).toEqual([
      ['stage', 'consideration'],
      ['touchpoint', 'poster'],
      ['touchpoint', 'flyer'],
      ['low_reach', 'qr-packaging'],
    ]);
  });
});

describe('edge cases', () => {
  it('empty journey: zeros and nulls, no bottlenecks, no NaN anywhere', () => {
    const r = report({
      stageCounters: { awareness: { visitors: 0, delayHistogram: {} } },
      touchpoints: [tp('ig-ad', 'awareness', 0, 0), tp('poster', 'awareness', 0, 0)],
    });
    expect(r.stages).toHaveLength(5);
    for (const s of r.stages) {
      expect(s).toEqual({
        stage: s.stage,
        goal: false,
        visitors: 0,
        progressed: 0,
        conversionRate: null,
        dropOff: null,
        medianHoursToNext: null,
      });
    }
    expect(r.touchpoints.every((t) => t.progressionRate === null && t.progressed === 0)).toBe(true);
    expect(r.bottlenecks).toEqual([]);
    expect(numbersIn(r).every(Number.isFinite)).toBe(true);
    expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/);
  });

  it('no stages, no touchpoints', () => {
    expect(report({ stages: [] })).toEqual({ stages: [], touchpoints: [], bottlenecks: [] });
  });

  it('one-stage journey: nothing can progress', () => {
    const r = report({
      stages: ['signup'],
      stageCounters: { signup: { visitors: 100, delayHistogram: { 1: 5 } } },
      touchpoints: [tp('landing', 'signup', 80, 5), tp('email', 'signup', 40, 2)],
    });
    expect(r.stages).toEqual([
      {
        stage: 'signup',
        goal: false,
        visitors: 100,
        progressed: 0,
        conversionRate: null,
        dropOff: null,
        medianHoursToNext: null,
      },
    ]);
    expect(r.touchpoints.map((t) => [t.touchpoint, t.progressed, t.progressionRate])).toEqual([
      ['landing', 0, null],
      ['email', 0, null],
    ]);
    expect(r.bottlenecks).toEqual([]);
  });

  it('touchpoints at a stage outside the journey are listed last and never analysed', () => {
    const r = report({
      touchpoints: [tp('old', 'legacy', 500, 0), tp('ig-ad', 'awareness', 100, 30), tp('x', 'legacy', 1, 0)],
    });
    expect(r.touchpoints.map((t) => t.touchpoint)).toEqual(['ig-ad', 'old', 'x']);
    expect(r.touchpoints[1]).toMatchObject({ progressed: 0, progressionRate: null });
    expect(r.bottlenecks).toEqual([]);
  });

  it('treats garbage counts as 0 instead of producing NaN', () => {
    const r = report({
      stageCounters: { awareness: { visitors: Number.NaN, delayHistogram: { 1: Number.NaN } } },
      touchpoints: [{ touchpoint: 'x', stage: 'awareness', visitors: -5, delayHistogram: {} }],
    });
    expect(r.stages[0]).toMatchObject({ visitors: 0, progressed: 0, conversionRate: null });
    expect(r.touchpoints[0]).toMatchObject({ visitors: 0, progressionRate: null });
    expect(numbersIn(r).every(Number.isFinite)).toBe(true);
  });
});

describe('formatPercent', () => {
  it.each([
    [0, '0%'],
    [0.04, '4%'],
    [0.045, '4.5%'],
    [0.0996, '10%'],
    [0.123, '12%'],
    [0.3333, '33%'],
    [0.0001, 'under 0.1%'],
    [0.998, 'over 99%'],
    [1, '100%'],
  ])('%d → %s', (rate, text) => {
    expect(formatPercent(rate)).toBe(text);
  });
});

describe('goals', () => {
  it('end the funnel: the last stage progresses by converting, the last goal has no later step', () => {
    const r = buildFunnelReport({
      stages: ['visit', 'cart'],
      stageCounters: {
        visit: { visitors: 100, delayHistogram: { 1: 40 } },
        cart: { visitors: 40, delayHistogram: { 2: 10, 30: 2 } },
      },
      goals: ['purchase'],
      goalCounters: { purchase: { visitors: 12, delayHistogram: {} } },
      touchpoints: [
        { touchpoint: 'cart-email', stage: 'cart', visitors: 40, delayHistogram: { 2: 10, 30: 2 } },
      ],
      windowDays: 1,
    });
    expect(r.stages.map((s) => [s.stage, s.goal, s.visitors, s.progressed, s.conversionRate])).toEqual([
      ['visit', false, 100, 40, 0.4],
      // Within a 1-day window only the conversions 2 h after reaching cart count, not those after 30 h.
      ['cart', false, 40, 10, 0.25],
      ['purchase', true, 12, 0, null],
    ]);
    expect(r.touchpoints[0]?.progressionRate).toBe(0.25);
  });

  it('a goal named like a stage is its own step', () => {
    const r = buildFunnelReport({
      stages: ['research', 'purchase'],
      stageCounters: { purchase: { visitors: 50, delayHistogram: { 5: 20 } } },
      goals: ['purchase'],
      goalCounters: { purchase: { visitors: 20, delayHistogram: {} } },
      touchpoints: [],
      windowDays: 30,
    });
    expect(r.stages.map((s) => [s.stage, s.goal, s.visitors, s.progressed])).toEqual([
      ['research', false, 0, 0],
      ['purchase', false, 50, 20],
      ['purchase', true, 20, 0],
    ]);
  });
});
