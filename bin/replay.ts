/**
 * `npm run replay -- <log file>` (or log lines on stdin): re-inserts clicks the redirect could not
 * store, from their `click_write_failed` log lines (e.g. exported from CloudWatch Logs). Idempotent:
 * a click already stored is not inserted twice. Uses DYNAMODB_ENDPOINT / TABLE_NAME like the server.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

async function main(): Promise<void> {
  const file = process.argv[2];
  const input = file && file !== '-' ? createReadStream(file, 'utf8') : process.stdin;
  const { replayClickLog } = await import('#clicks/service');
  const result = await replayClickLog(createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }));
  process.stdout.write(
    `Found ${result.lines} failed clicks: ${result.inserted} inserted, ${result.alreadyStored} already stored, ${result.failed} failed.\n`,
  );
  process.exitCode = result.failed > 0 ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`replay failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
