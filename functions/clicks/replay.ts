import { log } from '#shared/log';
import { CLICK_WRITE_FAILED } from './model';
import { type ClickItem, putClickIfAbsent } from './repository';
import { storedClickProblem } from './stored-click';

/**
 * `npm run replay`: re-inserts the clicks the redirect could not store, from their `click_write_failed`
 * log lines, under their original keys and only where absent, so running it twice counts nothing twice.
 *
 * The lines may come as the redirect printed them (with or without CloudWatch's timestamp and request id
 * before the JSON) or wrapped by an export: a Logs Insights CSV (quotes doubled), a JSON export or
 * `aws logs filter-log-events --output json` (the line inside a `message` or `@message` string), a
 * Markdown table. A line that names `click_write_failed` but yields no click is counted as unreadable,
 * never skipped in silence.
 */
export interface ReplayResult {
  /** Failed-click lines found (readable ones). */
  lines: number;
  inserted: number;
  alreadyStored: number;
  /** DynamoDB refused the write (retry later). */
  failed: number;
  /** Lines that name click_write_failed but hold no readable log record. */
  unreadable: number;
  /** Records whose item is not a stored click (hand-edited or truncated). */
  invalid: number;
  /**
   * Clicks older than their retention (their `ttl` has passed): not replayed. Such a click may have been
   * stored after all (a write given up on can land), counted, and expired since; inserting it again
   * would count it twice. Replay within CLICK_RETENTION_DAYS (docs/operations.md).
   */
  expired: number;
}

type LogRecord = { message?: unknown; item?: unknown };

/**
 * The failed clicks a line holds, and how many of the `click_write_failed` records it names could not be
 * read; null for a line that names none. One line may hold several (a one-line JSON array, tab-separated
 * `--output text`), each found on its own.
 */
export function failedClicksIn(line: string): { items: unknown[]; unreadable: number } | null {
  const named = line.split(CLICK_WRITE_FAILED).length - 1;
  if (named === 0) return null;
  const items = recordsIn(line, 3);
  return { items, unreadable: Math.max(0, named - items.length) };
}

/** The click items of the records in `text`: JSON values in it, as printed or as a CSV field holds them. */
function recordsIn(text: string, depth: number): unknown[] {
  if (depth === 0) return [];
  let best: unknown[] = [];
  // As printed; then as a CSV field holds it (every quote doubled).
  for (const candidate of [text, text.replaceAll('""', '"')]) {
    const found = jsonValuesIn(candidate).flatMap((value) => recordsOf(value, depth));
    if (found.length > best.length) best = found;
  }
  if (best.length > 0) return best;
  // JSON string literals holding lines (a pretty-printed export's `"@message": "{\"level\"…"`).
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)]
    .filter((literal) => literal[1]?.includes(CLICK_WRITE_FAILED))
    .flatMap((literal) => {
      const inner = parseJson(`"${literal[1]}"`);
      return typeof inner === 'string' ? recordsIn(inner, depth - 1) : [];
    });
}

/** The click items in a parsed value: a record itself, or anything holding records (arrays, wrappers). */
function recordsOf(value: unknown, depth: number): unknown[] {
  if (typeof value === 'string') return value.includes(CLICK_WRITE_FAILED) ? recordsIn(value, depth - 1) : [];
  if (Array.isArray(value)) return value.flatMap((v) => recordsOf(v, depth));
  if (typeof value !== 'object' || value === null) return [];
  const record = value as LogRecord & Record<string, unknown>;
  if (record.message === CLICK_WRITE_FAILED && 'item' in record) return [record.item];
  // An export's wrapper (`@message`, `message`, `events: [...]`).
  return Object.values(record).flatMap((v) => recordsOf(v, depth));
}

/** Every complete JSON object or array in `text`, left to right. */
function jsonValuesIn(text: string): unknown[] {
  const values: unknown[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '{' && text[i] !== '[') continue;
    const end = closingBracket(text, i);
    const value = end > i ? parseJson(text.slice(i, end + 1)) : undefined;
    if (value !== undefined) {
      values.push(value);
      i = end;
    }
  }
  return values;
}

/** Where the bracket opened at `start` closes (strings skipped), or -1. */
function closingBracket(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function replayClickLog(
  lines: Iterable<string> | AsyncIterable<string>,
  now = new Date(),
): Promise<ReplayResult> {
  const result: ReplayResult = {
    lines: 0,
    inserted: 0,
    alreadyStored: 0,
    failed: 0,
    unreadable: 0,
    invalid: 0,
    expired: 0,
  };
  let lineNumber = 0;
  const inFlight = new Set<Promise<void>>();
  for await (const line of lines) {
    lineNumber++;
    const found = failedClicksIn(line);
    if (found === null) continue;
    if (found.unreadable > 0) {
      result.unreadable += found.unreadable;
      log.error('click_replay_unreadable', {
        line: lineNumber,
        records: found.unreadable,
        text: line.slice(0, 300),
      });
    }
    for (const candidate of found.items) await replayOne(candidate, lineNumber);
  }
  await Promise.all(inFlight);
  return result;

  async function replayOne(candidate: unknown, lineNumber: number): Promise<void> {
    result.lines++;
    const problem = storedClickProblem(candidate);
    if (problem) {
      result.invalid++;
      log.error('click_replay_invalid', { line: lineNumber, problem, item: candidate });
      return;
    }
    const item = candidate as ClickItem;
    if (item.ttl * 1000 <= now.getTime()) {
      result.expired++;
      log.error('click_replay_expired', { line: lineNumber, item });
      return;
    }
    const write = putClickIfAbsent(item).then(
      (inserted) => {
        if (inserted) result.inserted++;
        else result.alreadyStored++;
      },
      (err: unknown) => {
        result.failed++;
        log.error('click_replay_failed', { line: lineNumber, item, error: (err as Error).message });
      },
    );
    // A few writes at a time: a long outage's log replays in minutes, not one round trip per click.
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
    if (inFlight.size >= REPLAY_CONCURRENCY) await Promise.race(inFlight);
  }
}

/** Writes in flight at once while replaying (each is an independent, idempotent PutItem). */
const REPLAY_CONCURRENCY = 16;

/** Replayed in full: every click found is stored now (or was already). */
export const replayComplete = (r: ReplayResult) => r.failed + r.unreadable + r.invalid + r.expired === 0;
