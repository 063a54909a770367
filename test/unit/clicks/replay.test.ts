import { describe, expect, it } from 'vitest';
import { failedClicksIn } from '#clicks/replay';
import { clickItem } from '#clicks/repository';
import { storedClickProblem } from '#clicks/stored-click';
import { clickOn } from '../../support/clicks';

/** A `click_write_failed` line as the redirect prints it (Powertools Logger, one JSON object). */
const item = clickItem(clickOn(undefined, { referrer: '', country: 'DE' }), 7, 30);
const line = JSON.stringify({
  level: 'ERROR',
  message: 'click_write_failed',
  timestamp: '2026-11-25T10:00:00.912Z',
  service: 'touchpoint',
  item,
  error: { name: 'TimeoutError', message: 'Request aborted' },
});

const csvField = (text: string) => `"${text.replaceAll('"', '""')}"`;

describe('replay reads a failed click from', () => {
  it.each([
    ['the line as printed', line],
    [
      'a CloudWatch line (timestamp, request id, level first)',
      `2026-11-25T10:00:00.912Z\tc0ffee\tERROR\t${line}`,
    ],
    ['a Logs Insights CSV export (quotes doubled)', `2026-11-25 10:00:00.912,${csvField(line)}`],
    [
      'a Logs Insights JSON export line',
      JSON.stringify({ '@timestamp': '2026-11-25 10:00:00.912', '@message': line }),
    ],
    ['a pretty-printed JSON export', `    "@message": ${JSON.stringify(line)},`],
    [
      'aws logs filter-log-events --output json',
      `        { "logStreamName": "2026/11/25/[$LATEST]abc", "timestamp": 1795600800912, "message": ${JSON.stringify(`${line}\n`)}, "eventId": "1" },`,
    ],
    ['a Markdown table row', `| 2026-11-25 10:00:00.912 | ${line} |`],
  ])('%s', (_, text) => {
    expect(failedClicksIn(text)).toEqual({ items: [item], unreadable: 0 });
  });

  it('every record of a line that holds several (a one-line JSON array, tab-separated text output)', () => {
    const other = line.replace('"id":"c1"', '"id":"c2"');
    const second = JSON.parse(other).item;
    expect(second.id).toBe('c2');
    const oneLineArray = JSON.stringify([{ '@message': line }, { '@message': other }]);
    expect(failedClicksIn(oneLineArray)).toEqual({ items: [item, second], unreadable: 0 });
    expect(failedClicksIn(`${line}\t${other}`)).toEqual({ items: [item, second], unreadable: 0 });
    // One of three cut short: two found, one said to be unreadable.
    expect(failedClicksIn(`${line}\t${other}\t${line.slice(0, 150)}`)).toEqual({
      items: [item, second],
      unreadable: 1,
    });
  });

  it('and says so when a line names click_write_failed but holds no click (truncated, re-encoded)', () => {
    expect(failedClicksIn(line.slice(0, 200))).toEqual({ items: [], unreadable: 1 });
    expect(failedClicksIn(`"${line}"`.replaceAll('"', "'"))).toEqual({ items: [], unreadable: 1 });
  });

  it('ignoring every other line', () => {
    for (const other of [
      'START RequestId: 1',
      '{"level":"INFO","message":"aggregate_batch"}',
      '',
      '{not json',
    ])
      expect(failedClicksIn(other)).toBeNull();
  });
});

describe('a stored click', () => {
  it('is what the redirect writes', () => {
    expect(storedClickProblem(item)).toBeNull();
    expect(storedClickProblem(clickItem(clickOn(undefined, { newVisitor: true }), 0, 30))).toBeNull();
  });

  it('names the first field that is missing or wrong', () => {
    const { linkId: _, ...withoutLink } = item;
    expect(storedClickProblem(withoutLink)).toMatch(/^linkId: /);
    expect(storedClickProblem({ ...item, at: 'yesterday' })).toMatch(/^at: /);
    expect(storedClickProblem({ ...item, visitorId: 42 })).toMatch(/^visitorId: /);
    expect(storedClickProblem({ ...item, pk: 'LINK#x' })).toMatch(/^pk: /);
    expect(storedClickProblem('{}')).not.toBeNull();
  });
});
