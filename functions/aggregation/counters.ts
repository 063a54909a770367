import type { ClickEvent } from '#clicks/model';
import type { Contribution } from '#journeys/contributions';
import { breakdownAttribute, COUNTER_ENTITY, dayOf, hourOf, MEASURE, weekOf } from '#shared/counter-items';
import { type Key, keys } from '#shared/keys';
import { itemId } from '#shared/table';

/**
 * Counter updates, pure: which counter item gets which increments for a click or for a change in a
 * visitor's derived facts. The aggregator merges them per item, so one batch writes each counter item
 * once. Attribute names come from shared/counter-items.ts.
 */
export interface CounterUpdate {
  key: Key;
  /** Numeric increments (ADD); may be negative when an out-of-order click moves a first visit. */
  add: Record<string, number>;
  /** Descriptive attributes written alongside (SET), so counter items are readable on their own. */
  set: Record<string, string>;
}

/**
 * The weekly twin of a daily journey counter update (touchpoint or stage): the same increments on the
 * item of the day's ISO week. The funnel and the touchpoint table read full weeks from these.
 */
function weekly(
  update: CounterUpdate,
  kind: 'touchpoint' | 'stage',
  journey: string,
  subject: string,
  day: string,
): CounterUpdate {
  const week = weekOf(day);
  const { day: _day, ...set } = update.set;
  return {
    key:
      kind === 'touchpoint'
        ? keys.touchpointWeek(journey, week, subject)
        : keys.stageWeek(journey, week, subject),
    add: { ...update.add },
    set: { ...set, week },
  };
}

/** Counters a raw click moves: its link's hour and day, its touchpoint's day and week. Bots only count as bots. */
export function clickCounterUpdates(click: ClickEvent): CounterUpdate[] {
  const hour = hourOf(click.at);
  const day = dayOf(click.at);
  const linkAdd: Record<string, number> = {};
  const touchpointAdd: Record<string, number> = {};
  if (click.bot) {
    linkAdd[MEASURE.bots] = 1;
    touchpointAdd[MEASURE.bots] = 1;
  } else {
    const measure = click.source === 'scan' ? MEASURE.scans : MEASURE.clicks;
    linkAdd[measure] = 1;
    touchpointAdd[measure] = 1;
    linkAdd[breakdownAttribute('country', click.country ?? 'unknown')] = 1;
    linkAdd[breakdownAttribute('device', click.device)] = 1;
    linkAdd[breakdownAttribute('os', click.os)] = 1;
    linkAdd[breakdownAttribute('browser', click.browser)] = 1;
    linkAdd[breakdownAttribute('referrer', click.referrer ?? 'direct')] = 1;
  }
  const linkUpdates: CounterUpdate[] = [
    {
      key: keys.linkStatsHour(click.linkId, hour),
      add: linkAdd,
      set: { entity: COUNTER_ENTITY.link, linkId: click.linkId, hour },
    },
    {
      key: keys.linkStatsDay(click.linkId, day),
      add: { ...linkAdd },
      set: { entity: COUNTER_ENTITY.link, linkId: click.linkId, day },
    },
  ];
  const touchpointDay: CounterUpdate = {
    key: keys.touchpointDay(click.journey, day, click.touchpoint),
    add: touchpointAdd,
    set: {
      entity: COUNTER_ENTITY.touchpoint,
      journey: click.journey,
      touchpoint: click.touchpoint,
      stage: click.stage,
      day,
    },
  };
  return [
    ...linkUpdates,
    touchpointDay,
    weekly(touchpointDay, 'touchpoint', click.journey, click.touchpoint, day),
  ];
}

function contributionKey(c: Contribution): { key: Key; set: Record<string, string> } {
  switch (c.kind) {
    case 'link_uv':
      return {
        key: keys.linkStatsHour(c.subject, c.bucket),
        set: { entity: COUNTER_ENTITY.link, linkId: c.subject, hour: c.bucket },
      };
    case 'stage':
      return {
        key: keys.stageDay(c.journey, c.bucket, c.subject),
        set: { entity: COUNTER_ENTITY.stage, journey: c.journey, stage: c.subject, day: c.bucket },
      };
    case 'touchpoint':
      return {
        key: keys.touchpointDay(c.journey, c.bucket, c.subject),
        set: { entity: COUNTER_ENTITY.touchpoint, journey: c.journey, touchpoint: c.subject, day: c.bucket },
      };
    case 'attribution': {
      const model = c.model ?? '';
      const touchpoint = c.touchpoint ?? '';
      return {
        key: keys.attributionDay(c.journey, c.subject, model, c.bucket, touchpoint),
        set: {
          entity: COUNTER_ENTITY.attribution,
          journey: c.journey,
          event: c.subject,
          model,
          day: c.bucket,
          touchpoint,
          stage: c.stage ?? '',
        },
      };
    }
  }
}

function contributionId(c: Contribution): string {
  return [c.kind, c.journey, c.subject, c.bucket, c.model ?? '', c.touchpoint ?? '', c.attribute].join(
    '\u0000',
  );
}

/** Counter updates that turn a visitor's contributions `before` into `after` (usually a few +1s). */
export function contributionDelta(before: Contribution[], after: Contribution[]): CounterUpdate[] {
  const net = new Map<string, { c: Contribution; n: number }>();
  for (const c of before) {
    const id = contributionId(c);
    net.set(id, { c, n: (net.get(id)?.n ?? 0) - (c.weight ?? 1) });
  }
  for (const c of after) {
    const id = contributionId(c);
    net.set(id, { c, n: (net.get(id)?.n ?? 0) + (c.weight ?? 1) });
  }
  const updates: CounterUpdate[] = [];
  for (const { c, n } of net.values()) {
    if (n === 0) continue;
    const { key, set } = contributionKey(c);
    const update = { key, add: { [c.attribute]: n }, set };
    updates.push(update);
    if (c.kind === 'stage' || c.kind === 'touchpoint')
      updates.push(weekly(update, c.kind, c.journey, c.subject, c.bucket));
    if (c.kind === 'link_uv') {
      // A link's unique visitors also count on its daily item, in the day of their first click.
      const day = dayOf(c.bucket);
      updates.push({
        key: keys.linkStatsDay(c.subject, day),
        add: { [c.attribute]: n },
        set: { entity: COUNTER_ENTITY.link, linkId: c.subject, day },
      });
    }
  }
  return updates;
}

/** Merges updates per counter item: the "one write per distinct counter key per batch" rule. */
export function mergeUpdates(updates: Iterable<CounterUpdate>): Map<string, CounterUpdate> {
  const merged = new Map<string, CounterUpdate>();
  for (const u of updates) {
    const id = itemId(u.key);
    const target = merged.get(id);
    if (!target) {
      merged.set(id, { key: u.key, add: { ...u.add }, set: { ...u.set } });
      continue;
    }
    for (const [attr, n] of Object.entries(u.add)) target.add[attr] = (target.add[attr] ?? 0) + n;
    Object.assign(target.set, u.set);
  }
  for (const [id, u] of merged) {
    for (const [attr, n] of Object.entries(u.add)) if (n === 0) delete u.add[attr];
    if (Object.keys(u.add).length === 0) merged.delete(id);
  }
  return merged;
}
