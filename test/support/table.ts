import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '#local/table';

/** Creates this test file's table (its name was chosen in setup-env.ts). */
export async function createTestTable(): Promise<string> {
  const client = new DynamoDBClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await ensureTable(client, process.env.TABLE_NAME!);
  } finally {
    client.destroy();
  }
  return process.env.TABLE_NAME!;
}
