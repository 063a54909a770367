/**
 * Every DynamoDB key of the single table is built here and nowhere else (see docs/data-model.md).
 *
 * Table: partition key `pk`, sort key `sk` (strings); GSI `gsi1` on `gsi1pk`/`gsi1sk` for listings;
 * TTL attribute `ttl` (epoch seconds) for raw-click retention and stream checkpoints.
 */

export const TABLE_KEYS = { pk: 'pk', sk: 'sk', gsi1pk: 'gsi1pk', gsi1sk: 'gsi1sk', ttl: 'ttl' } as const;
export const GSI1 = 'gsi1';

export interface Key {
  pk: string;
  sk: string;
}

/** Number of partition keys raw clicks of one hour are spread over (see docs/data-model.md, hot keys). */
export const CLICK_PARTITIONS = 32;

/** Checkpoint items per hour of raw clicks (each holds CLICK_PARTITIONS / CHECKPOINT_GROUPS keys). */
export const CHECKPOINT_GROUPS = 8;

/** Partitions pending counter deltas are spread over (docs/data-model.md, hot keys). */
export const DELTA_SLOTS = 4;

/** Visitor ids minted by the redirect (keys.mintedVisitorId). */
export const MINTED_VISITOR_ID = /^m_[0-9a-z]{9}[0-9a-v][A-Za-z0-9_-]{11}$/;

/** A `tp_cid` token: time, partition (0-v: 32 partitions), then a click id (keys.clickToken). */
const CLICK_TOKEN = /^([0-9a-z]{9})([0-9a-v])([A-Za-z0-9_-]{12,23})$/;

export const keys = {
  /** The authoritative link record, addressed by id. */
  link: (id: string): Key => ({ pk: `LINK#${id}`, sk: 'LINK' }),
  /** GSI listing of all links, newest first. */
  linkListing: (createdAt: string, id: string) => ({ gsi1pk: 'LINKS', gsi1sk: `${createdAt}#${id}` }),
  linkListingPartition: 'LINKS',

  /** The redirect's lookup record: a copy of the link under its domain and slug (also enforces uniqueness). */
  slug: (domain: string, slug: string): Key => ({ pk: `SLUG#${domain.toLowerCase()}#${slug}`, sk: 'SLUG' }),

  /** Raw click events: spread over CLICK_PARTITIONS keys per hour so no single key takes >1,000 writes/s. */
  click: (hour: string, partition: number, at: string, clickId: string): Key => ({
    pk: `CLICK#${hour}#${partition}`,
    sk: `${at}#${clickId}`,
  }),
  isClickPk: (pk: string) => pk.startsWith('CLICK#'),

  /**
   * Where the highest stream sequence number already aggregated from one raw-click key is kept: per hour
   * of raw clicks, CHECKPOINT_GROUPS items, each holding the checkpoints of its click partitions as
   * attributes (`p0` … `p31`), so a batch reads and advances a few checkpoint items instead of one per
   * key, while shards working on the same hour rarely write the same item (ADR 0009).
   */
  checkpoint: (clickPk: string): { key: Key; attribute: string } => {
    const cut = clickPk.lastIndexOf('#');
    const partition = Number(clickPk.slice(cut + 1));
    return {
      key: { pk: `CKPT#${clickPk.slice(0, cut)}#g${partition % CHECKPOINT_GROUPS}`, sk: 'CKPT' },
      attribute: `p${partition}`,
    };
  },

  /**
   * Counter deltas aggregated from the stream but not yet applied to the counters (ADR 0009), spread
   * over DELTA_SLOTS partitions. Deltas sort by creation time.
   */
  deltaPartition: (slot: number) => `DELTA#${slot}`,
  /** Every delta partition, as an IAM `dynamodb:LeadingKeys` pattern (the aggregator may delete only there). */
  deltaPartitionPattern: 'DELTA#*',
  delta: (slot: number, createdAtMs: number, firstSeq: string): Key => ({
    pk: `DELTA#${slot}`,
    sk: `D#${String(createdAtMs).padStart(15, '0')}#${firstSeq}`,
  }),
  /** The slot's job: the merge being applied, and the number of the last one (apply-deltas.ts). */
  deltaJob: (slot: number): Key => ({ pk: `DELTA#${slot}`, sk: 'JOB' }),
  /** Sort-key range [from, to) of a slot's deltas. */
  deltaSkRange: ['D#', 'D$'] as const,

  /** Hourly counters of one link: totals and breakdowns. */
  linkStatsHour: (linkId: string, hour: string): Key => ({ pk: `STATS#${linkId}`, sk: `H#${hour}` }),
  /** Daily counters of one link: the same attributes, so a 30-day view reads 30 items, not 720. */
  linkStatsDay: (linkId: string, day: string): Key => ({ pk: `STATS#${linkId}`, sk: `D#${day}` }),
  linkStatsPartition: (linkId: string) => `STATS#${linkId}`,
  linkStatsHourSk: (hour: string) => `H#${hour}`,
  linkStatsDaySk: (day: string) => `D#${day}`,

  /** Daily counters of a journey: one item per touchpoint and one per stage. */
  journeyStatsPartition: (journey: string) => `JSTATS#${journey}`,
  touchpointDay: (journey: string, day: string, touchpoint: string): Key => ({
    pk: `JSTATS#${journey}`,
    sk: `D#${day}#T#${touchpoint}`,
  }),
  stageDay: (journey: string, day: string, stage: string): Key => ({
    pk: `JSTATS#${journey}`,
    sk: `D#${day}#S#${stage}`,
  }),
  journeyStatsDaySk: (day: string) => `D#${day}#`,
  /** Weekly sums of the same items (ISO weeks, keyed by their Monday), so long periods read fewer items. */
  touchpointWeek: (journey: string, monday: string, touchpoint: string): Key => ({
    pk: `JSTATS#${journey}`,
    sk: `W#${monday}#T#${touchpoint}`,
  }),
  stageWeek: (journey: string, monday: string, stage: string): Key => ({
    pk: `JSTATS#${journey}`,
    sk: `W#${monday}#S#${stage}`,
  }),
  journeyStatsWeekSk: (monday: string) => `W#${monday}#`,

  /**
   * Attribution credits of one journey for one event and model, per day of conversion and touchpoint
   * (ADR 0057): small items (a write is billed by the item's size), and a report reads one Query of
   * O(days × touchpoints) items.
   */
  attributionPartition: (journey: string) => `ATTR#${journey}`,
  attributionDay: (journey: string, event: string, model: string, day: string, touchpoint: string): Key => ({
    pk: `ATTR#${journey}`,
    sk: `E#${event}#M#${model}#D#${day}#T#${touchpoint}`,
  }),
  /** Sort keys of a model's items from `day` on (every touchpoint of that day sorts after it). */
  attributionDaySk: (event: string, model: string, day: string) => `E#${event}#M#${model}#D#${day}#`,

  /** One visitor's bounded journey state (first clicks per link, touchpoint and stage). */
  visitor: (visitorId: string): Key => ({ pk: `VISITOR#${visitorId}`, sk: 'STATE' }),
  /** The visitor id a visitor item's `pk` holds (the inverse of keys.visitor). */
  visitorIdOf: (pk: string): string => pk.slice('VISITOR#'.length),

  /**
   * A visitor id the redirect mints names the click that minted it (ADR 0015): `m_`, the click's time
   * (epoch ms, 9 base-36 digits), the raw-click partition it is stored in (one base-36 digit, 0-v) and 11
   * random characters. That click's id is the visitor id, so its key can be computed from the id alone.
   */
  mintedVisitorId: (atMs: number, partition: number, random: string): string =>
    `m_${atMs.toString(36).padStart(9, '0')}${partition.toString(36)}${random}`,
  /** Where the click that minted `visitorId` is stored; undefined for ids not minted that way. */
  firstClick: (visitorId: string): { key: Key; partition: number; at: string } | undefined => {
    if (!MINTED_VISITOR_ID.test(visitorId)) return undefined;
    const at = new Date(Number.parseInt(visitorId.slice(2, 11), 36)).toISOString();
    const partition = keys.mintedPartition(visitorId);
    return { key: keys.click(at.slice(0, 13), partition, at, visitorId), partition, at };
  },
  /** The raw-click partition of the click that minted `visitorId`, as the id names it. */
  mintedPartition: (visitorId: string): number => Number.parseInt(visitorId.charAt(11), 36),

  /**
   * The click id a conversion-tracking link adds to its destination as `tp_cid` (issue 18): the click's
   * time (epoch ms, 9 base-36 digits), its raw-click partition (one base-36 digit) and its id, so the
   * click's key follows from the token alone: no index, no extra write on the redirect.
   */
  clickToken: (atMs: number, partition: number, clickId: string): string =>
    `${atMs.toString(36).padStart(9, '0')}${partition.toString(36)}${clickId}`,
  /** Where the click named by a `tp_cid` token is stored; undefined for anything that is not one. */
  clickByToken: (token: string): { key: Key; at: string; clickId: string } | undefined => {
    const match = CLICK_TOKEN.exec(token);
    if (!match) return undefined;
    const [, time = '', partition = '', clickId = ''] = match;
    const atMs = Number.parseInt(time, 36);
    if (atMs > 8.64e15) return undefined;
    const at = new Date(atMs).toISOString();
    return { key: keys.click(at.slice(0, 13), Number.parseInt(partition, 36), at, clickId), at, clickId };
  },

  /** A conversion, keyed by event and order id (or its own id): the same event + order id is one item. */
  conversion: (event: string, orderOrId: string): Key => ({ pk: `CONV#${event}#${orderOrId}`, sk: 'CONV' }),
  isConversionPk: (pk: string) => pk.startsWith('CONV#'),

  /** A journey definition, and the registry of its touchpoints (stage and number of links). */
  journey: (name: string): Key => ({ pk: `JOURNEY#${name}`, sk: 'JOURNEY' }),
  journeyListing: (name: string) => ({ gsi1pk: 'JOURNEYS', gsi1sk: name }),
  journeyListingPartition: 'JOURNEYS',
  journeyTouchpoint: (journey: string, touchpoint: string): Key => ({
    pk: `JOURNEY#${journey}`,
    sk: `TP#${touchpoint}`,
  }),
  journeyTouchpointPrefix: 'TP#',
  journeyPartition: (journey: string) => `JOURNEY#${journey}`,

  /** The daily salt for cookieless visitor ids (expires by TTL after two days). */
  salt: (day: string): Key => ({ pk: `SALT#${day}`, sk: 'SALT' }),

  /** API keys, addressed by the public id embedded in the secret (`tp_<id>_<secret>`). */
  apiKey: (id: string): Key => ({ pk: `APIKEY#${id}`, sk: 'APIKEY' }),
  apiKeyListing: (createdAt: string, id: string) => ({ gsi1pk: 'APIKEYS', gsi1sk: `${createdAt}#${id}` }),
  apiKeyListingPartition: 'APIKEYS',
} as const;
