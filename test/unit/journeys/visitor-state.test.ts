import { describe, expect, it } from 'vitest';
import { contributions, delayBinMinutes, MAX_DELAY_DAYS } from '#journeys/contributions';
import {
  applyClick,
  applyConversion,
  emptyVisitorState,
  MAX_CONVERSIONS,
  MAX_RECENT_TOUCHES,
  MAX_TIMES,
  MAX_TOUCHPOINTS,
  parseVisitorState,
} from '#journeys/visitor-state';

const STAGES = ['awareness', 'consideration', 'decision'];
const order = (journey: string) => (journey === 'default' ? { stages: STAGES, goals: [] } : null);
const T = Date.parse('2026-10-01T10:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

function click(at: number, touchpoint: string, stage: string, linkId = `l-${touchpoint}`) {
  return { at, linkId, journey: 'default', stage, touchpoint };
}

describe('delay bins', () => {
  it.each([
    [0, 0],
    [1, 1], // 1 ms rounds up to a minute
    [4 * MIN + 10_000, 5],
    [6 * MIN, 10],
    [59 * MIN, 60],
    [60 * MIN, 60],
    [60 * MIN + 1, 120],
    [5 * HOUR, 360],
    [23 * HOUR + 55 * MIN, 1440],
    [24 * HOUR, 1440],
    [24 * HOUR + 1, 2880], // past a day: whole days
    [72 * HOUR, 4320],
    [72 * HOUR + 1, 5760],
  ])('puts a delay of %d ms in the bin ending at %d minutes', (ms, bin) => {
    expect(delayBinMinutes(ms)).toBe(bin);
  });

  it('has no bin past the longest window', () => {
    expect(delayBinMinutes(MAX_DELAY_DAYS * 24 * HOUR)).toBe(MAX_DELAY_DAYS * 1440);
    expect(delayBinMinutes(MAX_DELAY_DAYS * 24 * HOUR + 1)).toBeNull();
  });

  it('keeps the window exact: a delay is within W days exactly when its bin is ≤ 1440·W', () => {
    for (const days of [1, 2, 7, 30, 90]) {
      const limit = days * 24 * HOUR;
      for (const ms of [limit - 1, limit, limit + 1, limit + MIN, limit - HOUR]) {
        const bin = delayBinMinutes(ms);
        expect(bin !== null && bin <= 1440 * days).toBe(ms <= limit);
      }
    }
  });
});

describe('visitor journey state', () => {
  it('is idempotent: the same click twice changes nothing', () => {
    const once = emptyVisitorState();
    applyClick(once, click(T, 'ig-ad', 'awareness'));
    const twice = structuredClone(once);
    applyClick(twice, click(T, 'ig-ad', 'awareness'));
    expect(twice).toEqual(once);
  });

  it('derives the same facts whatever order the clicks arrive in', () => {
    const clicks = [
      click(T, 'ig-ad', 'awareness'),
      click(T + 2 * HOUR, 'pricing', 'consideration'),
      click(T + 30 * HOUR, 'checkout', 'decision'),
      click(T + 3 * HOUR, 'ig-ad', 'awareness'),
    ];
    const forward = emptyVisitorState();
    for (const c of clicks) applyClick(forward, c);
    const backward = emptyVisitorState();
    for (const c of [...clicks].reverse()) applyClick(backward, c);
    const facts = (s: typeof forward) =>
      contributions(s, order)
        .map((c) => JSON.stringify(c))
        .sort();
    expect(facts(backward)).toEqual(facts(forward));
  });

  it('counts a stage once, at its first click, with the delay to the first later-stage click', () => {
    const s = emptyVisitorState();
    applyClick(s, click(T, 'ig-ad', 'awareness'));
    applyClick(s, click(T + 5 * MIN, 'poster', 'awareness'));
    applyClick(s, click(T + 90 * MIN, 'pricing', 'consideration'));
    const stage = contributions(s, order).filter((c) => c.kind === 'stage');
    expect(stage).toEqual([
      { kind: 'stage', subject: 'awareness', journey: 'default', bucket: '2026-10-01', attribute: 'v' },
      { kind: 'stage', subject: 'awareness', journey: 'default', bucket: '2026-10-01', attribute: 'd:120' },
      { kind: 'stage', subject: 'consideration', journey: 'default', bucket: '2026-10-01', attribute: 'v' },
    ]);
    // The poster's own progression is measured from its own first click: 85 minutes → the 2 h bin.
    const poster = contributions(s, order).filter((c) => c.subject === 'poster');
    expect(poster.map((c) => c.attribute)).toEqual(['v', 'd:120']);
  });

  it('treats a later stage reached first as no progress for the earlier stage', () => {
    const s = emptyVisitorState();
    applyClick(s, click(T, 'checkout', 'decision'));
    applyClick(s, click(T + HOUR, 'ig-ad', 'awareness'));
    const awareness = contributions(s, order).filter((c) => c.subject === 'awareness');
    expect(awareness.map((c) => c.attribute)).toEqual(['v']);
  });

  it('ignores journeys whose stages are unknown and counts unique links by their first hour', () => {
    const s = emptyVisitorState();
    applyClick(s, { ...click(T + 10 * MIN, 'x', 'a', 'link-1'), journey: 'gone' });
    applyClick(s, { ...click(T - 2 * HOUR, 'x', 'a', 'link-1'), journey: 'gone' });
    expect(contributions(s, order)).toEqual([
      { kind: 'link_uv', subject: 'link-1', journey: '', bucket: '2026-10-01T08', attribute: 'uv' },
    ]);
  });

  it('stays bounded: earliest click times per touchpoint, a cap on touchpoints', () => {
    const s = emptyVisitorState();
    for (let i = 0; i < MAX_TIMES + 5; i++) applyClick(s, click(T + (20 - i) * MIN, 'ig-ad', 'awareness'));
    expect(s.journeys.default!['ig-ad']!.t).toHaveLength(MAX_TIMES);
    expect(s.journeys.default!['ig-ad']!.t[0]).toBe(T + (20 - (MAX_TIMES + 4)) * MIN);
    for (let i = 0; i < MAX_TOUCHPOINTS + 10; i++) applyClick(s, click(T + i, `tp-${i}`, 'awareness'));
    expect(Object.keys(s.journeys.default!)).toHaveLength(MAX_TOUCHPOINTS);
  });
});

describe('names that are Object.prototype properties', () => {
  const names = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

  it('are ordinary journeys, touchpoints and link ids, also after a JSON round trip', () => {
    let state = emptyVisitorState();
    for (const [i, name] of names.entries()) {
      applyClick(state, { at: T + i, linkId: name, journey: name, stage: 'awareness', touchpoint: name });
      applyClick(state, {
        at: T + i,
        linkId: `l-${name}`,
        journey: 'default',
        stage: 'awareness',
        touchpoint: name,
      });
    }
    state = parseVisitorState(JSON.stringify(state));
    applyClick(state, {
      at: T - 1,
      linkId: '__proto__',
      journey: '__proto__',
      stage: 'awareness',
      touchpoint: 'constructor',
    });
    expect(Object.keys(state.links).sort()).toEqual([...names, ...names.map((n) => `l-${n}`)].sort());
    expect(Object.keys(state.journeys.default ?? {}).sort()).toEqual([...names].sort());
    const protoJourney = '__proto__'; // an own key of the name map, not the prototype
    expect(state.journeys[protoJourney]?.['constructor' as string]?.t).toEqual([T - 1]);
    const tps = contributions(state, order).filter((c) => c.kind === 'touchpoint');
    expect(tps.map((c) => c.subject).sort()).toEqual([...names].sort());
  });
});

describe('touch history and conversions (attribution, journey goals)', () => {
  const withGoals = (journey: string) =>
    journey === 'default' ? { stages: STAGES, goals: ['signup', 'purchase'] } : null;
  const conversion = (id: string, e: string, at: number, v?: number) => ({
    id,
    e,
    t: at,
    ...(v === undefined ? {} : { v, c: 'USD' }),
  });

  it('keeps the latest clicks past each touchpoint earliest ones, within a bound per journey', () => {
    const s = emptyVisitorState();
    for (let i = 0; i < 100; i++) applyClick(s, click(T + i * MIN, 'poster', 'awareness'));
    const poster = s.journeys.default?.poster;
    expect(poster?.t).toHaveLength(MAX_TIMES);
    expect(poster?.r).toHaveLength(MAX_RECENT_TOUCHES);
    expect(poster?.r?.at(-1)).toBe(T + 99 * MIN);
    expect(poster?.r?.[0]).toBe(T + (100 - MAX_RECENT_TOUCHES) * MIN);
    // Idempotent: every click again changes nothing, an old dropped one included.
    const before = JSON.stringify(s);
    for (let i = 0; i < 100; i++) applyClick(s, click(T + i * MIN, 'poster', 'awareness'));
    expect(JSON.stringify(s)).toBe(before);
  });

  it('applies a conversion once, keeps the latest MAX_CONVERSIONS, and reads back from JSON', () => {
    const s = emptyVisitorState();
    for (let i = 0; i < MAX_CONVERSIONS + 3; i++) applyConversion(s, conversion(`c${i}`, 'purchase', T + i));
    applyConversion(s, conversion('c5', 'purchase', T + 5));
    applyConversion(s, conversion('c0', 'purchase', T)); // redelivered after it was dropped
    expect(s.conv?.map((c) => c.id)).toEqual(Array.from({ length: MAX_CONVERSIONS }, (_, i) => `c${i + 3}`));
    expect(parseVisitorState(JSON.stringify(s)).conv).toEqual(s.conv);
  });

  it('counts a goal as a step after the last stage, reached by converting after entering the journey', () => {
    const s = emptyVisitorState();
    applyConversion(s, conversion('early', 'purchase', T - HOUR)); // before the journey: not its goal
    applyClick(s, click(T, 'poster', 'awareness'));
    applyClick(s, click(T + HOUR, 'checkout', 'decision'));
    applyConversion(s, conversion('c1', 'purchase', T + 3 * HOUR, 49_990_000));
    const facts = contributions(s, withGoals).filter((c) => c.kind === 'stage');
    expect(facts.map((c) => [c.subject, c.attribute])).toEqual([
      ['awareness', 'v'],
      ['awareness', 'd:60'],
      ['decision', 'v'],
      ['decision', 'd:120'], // converted two hours after reaching decision
      ['goal:purchase', 'v'],
    ]);
    // Without goals the journey's last stage has nowhere to go.
    const plain = contributions(s, order)
      .filter((c) => c.kind === 'stage')
      .map((c) => c.attribute);
    expect(plain).toEqual(['v', 'd:60', 'v']);
  });

  it('credits each conversion to the journey touched before it, for all five models', () => {
    const s = emptyVisitorState();
    applyClick(s, click(T, 'poster', 'awareness'));
    applyClick(s, click(T + HOUR, 'checkout', 'decision'));
    applyConversion(s, conversion('c1', 'purchase', T + 2 * HOUR, 10_000_000));
    const credit = contributions(s, withGoals).filter((c) => c.kind === 'attribution');
    expect(new Set(credit.map((c) => c.model)).size).toBe(5);
    const linear = credit.filter((c) => c.model === 'linear');
    const rows = linear.map((c) => `${c.touchpoint} ${c.stage} ${c.attribute} ${c.weight}`).sort();
    expect(rows).toEqual([
      'checkout decision 1|USD 5000000',
      'checkout decision 1|n 500000',
      'poster awareness 1|USD 5000000',
      'poster awareness 1|n 500000',
    ]);
  });
});
