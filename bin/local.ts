#!/usr/bin/env -S npx tsx
/**
 * `npm start`: the local Touchpoint, on an embedded DynamoDB Local. See the README's configuration table.
 */
import { resolve } from 'node:path';
import { JavaMissingError } from '#local/dynamodb-local';
import { startLocalRuntime } from '#local/runtime';

// The AWS SDK warns on every start that it will want Node 22 from 2027; Node 20 is supported today.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!warning.message.includes('NodeVersionSupportWarning'))
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const dataDir = resolve(process.env.TOUCHPOINT_DATA_DIR ?? '.data');
  // Read before starting: the runtime sets DYNAMODB_ENDPOINT for the handlers.
  const externalEndpoint = process.env.DYNAMODB_ENDPOINT;
  const runtime = await startLocalRuntime({
    port,
    host: process.env.HOST ?? '127.0.0.1',
    dataDir,
    baseUrl: process.env.TOUCHPOINT_BASE_URL ?? `http://localhost:${port}`,
    dynamodbEndpoint: externalEndpoint,
    tableName: process.env.TABLE_NAME,
    apiKey: process.env.TOUCHPOINT_API_KEY,
  });
  const keyNote = process.env.TOUCHPOINT_API_KEY
    ? '(from TOUCHPOINT_API_KEY)'
    : runtime.apiKeyGenerated
      ? `(generated; kept in ${dataDir}/admin-key)`
      : `(from ${dataDir}/admin-key)`;
  process.stdout.write(
    [
      '',
      `  Touchpoint is running at ${runtime.url}`,
      `  Dashboard:   ${runtime.url}/dashboard`,
      `  Admin key:   ${runtime.apiKey} ${keyNote}`,
      `  DynamoDB:    ${runtime.endpoint}${externalEndpoint ? '' : ` (DynamoDB Local, data in ${dataDir}/dynamodb)`}`,
      '',
      `  Try: curl -H "Authorization: Bearer ${runtime.apiKey}" ${runtime.url}/api/links`,
      '  Ctrl-C stops the server and DynamoDB Local.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping…\n');
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  if (err instanceof JavaMissingError) {
    process.stderr.write(`touchpoint: ${err.message}\n`);
  } else {
    process.stderr.write(
      `touchpoint: could not start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  }
  process.exit(1);
});
