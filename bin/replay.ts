/**
 * `npm run replay -- <log file>` (or log lines on stdin): re-inserts clicks the redirect could not
 * store, from their `click_write_failed` log lines (docs/operations.md shows how to export them).
 * Idempotent: a click already stored is not inserted twice. Uses DYNAMODB_ENDPOINT / TABLE_NAME like
 * the server. Exits 1 when any click found was not replayed (failed, unreadable, invalid or expired).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

async function main(): Promise<void> {
  const file = process.argv[2];
  const input = file && file !== '-' ? createReadStream(file, 'utf8') : process.stdin;
  const { replayClickLog, replayComplete } = await import('#clicks/replay');
  const r = await replayClickLog(createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }));
  const lines = [
    `Found ${r.lines} failed clicks: ${r.inserted} inserted, ${r.alreadyStored} already stored, ${r.failed} failed.`,
  ];
  if (r.failed)
    lines.push(`${r.failed} could not be written now: run the replay again when DynamoDB answers.`);
  if (r.unreadable) {
    lines.push(
      `${r.unreadable} lines name click_write_failed but hold no readable click (click_replay_unreadable above): export the raw log lines (docs/operations.md).`,
    );
  }
  if (r.invalid)
    lines.push(`${r.invalid} clicks are not stored clicks (click_replay_invalid above): not replayed.`);
  if (r.expired) {
    lines.push(
      `${r.expired} clicks are older than their retention (click_replay_expired above): not replayed, as they may have been stored, counted and expired since.`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = replayComplete(r) ? 0 : 1;
}

main().catch((err) => {
  process.stderr.write(`replay failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
