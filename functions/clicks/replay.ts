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

/** The `click_write_failed` record a line holds, 'unreadable' when it names one but holds none, or null. */
export function failedClickRecord(line: string): { item: unknown } | 'unreadable' | null {
  if (!line.includes(CLICK_WRITE_FAILED)) return null;
  return findRecord(line, 3) ?? 'unreadable';
}

function findRecord(text: string, depth: number): { item: unknown } | undefined {
  if (depth === 0) return undefined;
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start >= 0 && end > start) {
    const json = text.slice(start, end + 1);
    // As printed; then as a CSV field holds it (every quote doubled).
    for (const candidate of [json, json.replaceAll('""', '"')]) {
      const found = recordIn(parseJson(candidate), depth);
      if (found) return found;
    }
  }
  // A JSON string literal holding the line (a pretty-printed export's `"@message": "{\"level\"…"`).
  for (const literal of text.matchAll(/"((?:[^"\\]|\\.)*click_write_failed(?:[^"\\]|\\.)*)"/g)) {
    const inner = parseJson(`"${literal[1]}"`);
    const found = typeof inner === 'string' ? findRecord(inner, depth - 1) : undefined;
    if (found) return found;
  }
  return undefined;
}

function recordIn(value: unknown, depth: number): { item: unknown } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as LogRecord & Record<string, unknown>;
  if (record.message === CLICK_WRITE_FAILED && 'item' in record) return { item: record.item };
  // An export's wrapper: the line is a string field of it (`@message`, `message`).
  for (const field of Object.values(record)) {
    if (typeof field === 'string' && field.includes(CLICK_WRITE_FAILED)) {
      const found = findRecord(field, depth - 1);
      if (found) return found;
    }
  }
  return undefined;
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
    const record = failedClickRecord(line);
    if (record === null) continue;
    if (record === 'unreadable') {
      result.unreadable++;
      log.error('click_replay_unreadable', { line: lineNumber, text: line.slice(0, 300) });
      continue;
    }
    result.lines++;
    const problem = storedClickProblem(record.item);
    if (problem) {
      result.invalid++;
      log.error('click_replay_invalid', { line: lineNumber, problem, item: record.item });
      continue;
    }
    const item = record.item as ClickItem;
    if (item.ttl * 1000 <= now.getTime()) {
      result.expired++;
      log.error('click_replay_expired', { line: lineNumber, item });
      continue;
    }
    const at = lineNumber;
    const write = putClickIfAbsent(item).then(
      (inserted) => {
        if (inserted) result.inserted++;
        else result.alreadyStored++;
      },
      (err: unknown) => {
        result.failed++;
        log.error('click_replay_failed', { line: at, item, error: (err as Error).message });
      },
    );
    // A few writes at a time: a long outage's log replays in minutes, not one round trip per click.
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
    if (inFlight.size >= REPLAY_CONCURRENCY) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return result;
}

/** Writes in flight at once while replaying (each is an independent, idempotent PutItem). */
const REPLAY_CONCURRENCY = 16;

/** Replayed in full: every click found is stored now (or was already). */
export const replayComplete = (r: ReplayResult) => r.failed + r.unreadable + r.invalid + r.expired === 0;
