/**
 * `npm run recount [-- --repair]`: rebuilds every counter and visitor journey state from the raw clicks
 * and reports differences (exit 2), or repairs them. Pause aggregation first (docs/operations.md): it
 * counts what the stream still holds, then compares, leaving out clicks that arrive while it runs.
 * Uses the same environment as the server (DYNAMODB_ENDPOINT / TABLE_NAME; AWS credentials for AWS).
 * Against the local data it starts DynamoDB Local on the data directory unless DYNAMODB_ENDPOINT is set
 * (stop `npm start` first: DynamoDB Local files are not shared between processes).
 */
import { resolve } from 'node:path';
import { startDynamoLocal } from '#local/dynamodb-local';

function bar(done: number, total: number): string {
  const width = 30;
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en')} items`;
}

async function main(): Promise<void> {
  const repair = process.argv.includes('--repair');
  let stopLocal: (() => Promise<void>) | undefined;
  if (!process.env.DYNAMODB_ENDPOINT && !process.env.AWS_REGION) {
    const local = await startDynamoLocal({
      dataDir: resolve(process.env.TOUCHPOINT_DATA_DIR ?? '.data', 'dynamodb'),
    });
    process.env.DYNAMODB_ENDPOINT = local.endpoint;
    stopLocal = local.stop;
  }
  process.env.TOUCHPOINT_LOG_SILENT = '1';
  const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  const { dynamoClient } = await import('#shared/dynamo');
  const { config } = await import('#shared/config');
  const { recount } = await import('#aggregation/recount');
  // Counts what is still in the stream first, and leaves out what arrives meanwhile (bin/stream-drain.ts).
  const stream = (await import('./stream-drain')).streamDrain();
  try {
    const table = await dynamoClient.send(new DescribeTableCommand({ TableName: config().tableName }));
    const total = Number(table.Table?.ItemCount ?? 0);
    let scanned = 0;
    const report = await recount({
      repair,
      stream,
      onProgress: (n) => {
        scanned = n;
        process.stderr.write(`\r${bar(n, Math.max(total, n))}`);
      },
    });
    process.stderr.write(`\r${bar(scanned, scanned)} scanned\n`);
    process.stdout.write(
      `Recounted ${report.clicks} raw clicks into ${report.counterItems} counter items.\n`,
    );
    if (report.rejectedClicks > 0) {
      process.stdout.write(
        `${report.rejectedClicks} raw-click items are not clicks and were left out, as the aggregator leaves them out (StreamRecordsRejected).\n`,
      );
    }
    const visitors = report.visitorDifferences.length;
    if (visitors > 0) {
      process.stdout.write(
        `${visitors} visitors' journey states differ from their raw clicks (e.g. ${report.visitorDifferences.slice(0, 3).join(', ')}).\n`,
      );
      process.stdout.write(
        repair ? `Repaired ${report.visitorsRepaired} visitor states.\n` : 'Run with --repair to fix them.\n',
      );
    }
    if (report.differences.length === 0) {
      process.stdout.write('All counters match the raw clicks.\n');
    } else {
      process.stdout.write(`${report.differences.length} counter values differ from the raw clicks:\n`);
      for (const d of report.differences.slice(0, 50)) {
        process.stdout.write(
          `  ${d.pk} ${d.sk} ${d.attribute}: stored ${d.stored}, expected ${d.expected}\n`,
        );
      }
      if (report.differences.length > 50)
        process.stdout.write(`  … and ${report.differences.length - 50} more\n`);
      process.stdout.write(
        repair ? `Repaired ${report.repaired} counter items.\n` : 'Run with --repair to fix them.\n',
      );
    }
    process.exitCode = (report.differences.length > 0 || visitors > 0) && !repair ? 2 : 0;
  } finally {
    stream.close();
    await stopLocal?.();
  }
}

main().catch((err) => {
  process.stderr.write(`recount failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
