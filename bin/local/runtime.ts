import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { config } from '#shared/config';
import type { ClickWritesInFlight } from './click-writes';
import { type DynamoLocal, startDynamoLocal } from './dynamodb-local';
import { StreamPoller } from './stream-poller';
import { ensureTable } from './table';

/** Locally the scheduled apply of pending counter deltas runs this often (AWS: every minute). */
const LOCAL_APPLY_INTERVAL_MS = 3_000;

export interface LocalRuntimeOptions {
  port: number;
  host?: string;
  /** Where DynamoDB Local keeps its files and the generated admin key; omit for in-memory. */
  dataDir?: string;
  baseUrl?: string;
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  tableName?: string;
  apiKey?: string;
  /** Run the stream poller (the local stand-in for Lambda's event source mapping). */
  aggregate?: boolean;
  batchSize?: number;
  batchingWindowMs?: number;
  /** How often pending counter deltas are applied (the stand-in for the stack's 1-minute schedule). */
  applyIntervalMs?: number;
  /** Redirect click writes running after their responses, past which clicks go to the replay log. */
  maxClickWritesInFlight?: number;
}

export interface LocalRuntime {
  url: string;
  apiKey: string;
  apiKeyGenerated: boolean;
  endpoint: string;
  server: Server;
  /** The redirects' click writes still running after their 302s (the server answers first). */
  clickWrites: ClickWritesInFlight;
  poller: StreamPoller | undefined;
  stop: () => Promise<void>;
}

/**
 * Everything `npm start` runs, reusable by the end-to-end tests and the benchmarks: DynamoDB Local,
 * the table, the admin key, the HTTP server over the real handlers, and the stream poller.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  // Our own DynamoDB Local unless the caller points at one (tests share one; DYNAMODB_ENDPOINT).
  const dynamo: DynamoLocal | undefined = options.dynamodbEndpoint
    ? undefined
    : await startDynamoLocal({ dataDir: options.dataDir ? join(options.dataDir, 'dynamodb') : undefined });
  const endpoint = options.dynamodbEndpoint ?? dynamo?.endpoint ?? '';
  const tableName = options.tableName ?? 'touchpoint';
  const baseUrl = options.baseUrl ?? `http://localhost:${options.port}`;
  process.env.DYNAMODB_ENDPOINT = endpoint;
  process.env.TABLE_NAME = tableName;
  process.env.TOUCHPOINT_BASE_URL = baseUrl;
  process.env.AWS_REGION ??= 'local';
  const { resetConfig } = await import('#shared/config');
  resetConfig();

  const admin = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await ensureTable(admin, tableName);
  } finally {
    admin.destroy();
  }

  const { registerApiKey, generateSecret } = await import('#auth/service');
  let apiKey = options.apiKey;
  let apiKeyGenerated = false;
  if (!apiKey) {
    const keyFile = options.dataDir ? join(options.dataDir, 'admin-key') : undefined;
    if (keyFile && existsSync(keyFile)) {
      apiKey = readFileSync(keyFile, 'utf8').trim();
    } else {
      apiKey = generateSecret();
      apiKeyGenerated = true;
      if (keyFile) {
        mkdirSync(dirname(keyFile), { recursive: true });
        writeFileSync(keyFile, `${apiKey}\n`, { mode: 0o600 });
      }
    }
  }
  await registerApiKey(apiKey, options.apiKey ? 'TOUCHPOINT_API_KEY' : 'local admin', 'admin');

  const { startHttpServer } = await import('./server');
  const { server, clickWrites } = await startHttpServer(
    options.port,
    options.host ?? '127.0.0.1',
    options.maxClickWritesInFlight,
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  let poller: StreamPoller | undefined;
  let applyTimer: NodeJS.Timeout | undefined;
  if (options.aggregate !== false) {
    const { handler } = await import('#handlers/aggregate');
    // What EventBridge does in AWS: apply pending counter deltas once they are due (ADR 0009, 0061).
    applyTimer = setInterval(
      () => {
        handler({ source: 'touchpoint.local' }).catch((err) => console.error('apply deltas:', err));
      },
      // EventBridge runs it every minute in AWS; locally every few seconds, so a slot falls due close to
      // on time (the numbers count pending clicks either way, ADR 0059).
      options.applyIntervalMs ?? LOCAL_APPLY_INTERVAL_MS,
    );
    applyTimer.unref();
    poller = new StreamPoller({
      endpoint,
      tableName,
      handler,
      batchSize: options.batchSize ?? config().aggregateBatchSize,
      batchingWindowMs: options.batchingWindowMs ?? 250,
      onError: (err) => console.error('stream poller:', err),
    });
    poller.start();
  }

  return {
    url: `http://localhost:${port}`,
    apiKey,
    apiKeyGenerated,
    endpoint,
    server,
    clickWrites,
    poller,
    stop: async () => {
      clearInterval(applyTimer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Answered clicks are stored (or logged for replay) before DynamoDB Local goes away.
      await clickWrites.settled();
      await poller?.stop();
      await dynamo?.stop();
    },
  };
}
