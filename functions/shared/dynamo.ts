import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The SDK's default logger does nothing, yet its logger middleware still builds a redacted copy of every
 * command's input and output for `logger.info(...)` before the call is dropped: for a 150-item funnel
 * Query that walk costs more than our own funnel arithmetic (docs/benchmarks.md, figure 5). It calls
 * `logger?.info?.(…)`, so a logger without `info` skips the copy. Nothing is lost: the default logged
 * nothing either, and our own structured logs carry what matters.
 */
const quietLogger = {
  debug: () => {},
  warn: () => {},
  error: () => {},
} as unknown as NonNullable<DynamoDBClientConfig['logger']>;

/**
 * The one DynamoDB client of the process, created at module load so Lambda reuses its connections
 * across invocations. `DYNAMODB_ENDPOINT` points it at DynamoDB Local (or any other endpoint).
 */
function createClient(): DynamoDBClient {
  return new DynamoDBClient({ ...endpointConfig(), maxAttempts: 3, logger: quietLogger });
}

/**
 * Where DynamoDB is: `DYNAMODB_ENDPOINT` (DynamoDB Local, with placeholder credentials unless real ones
 * are set), else AWS from the environment. Other clients of the same tables (the stream's) use it too.
 */
export function endpointConfig(): Pick<DynamoDBClientConfig, 'endpoint' | 'region' | 'credentials'> {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) return {};
  return {
    endpoint,
    region: process.env.AWS_REGION ?? 'local',
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    },
  };
}

export const dynamoClient = createClient();

export const db = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true },
});
