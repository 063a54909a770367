import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '#shared/config';
import { db } from '#shared/dynamo';
import { GSI1, keys } from '#shared/keys';
import { queryPartition } from '#shared/table';
import type { ApiKey } from './model';

export async function getApiKey(id: string): Promise<ApiKey | null> {
  const res = await db.send(new GetCommand({ TableName: config().tableName, Key: keys.apiKey(id) }));
  return (res.Item?.key as ApiKey | undefined) ?? null;
}

export async function putApiKey(key: ApiKey): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: config().tableName,
      Item: { ...keys.apiKey(key.id), ...keys.apiKeyListing(key.createdAt, key.id), entity: 'api_key', key },
    }),
  );
}

export async function deleteApiKey(id: string): Promise<boolean> {
  const res = await db.send(
    new DeleteCommand({ TableName: config().tableName, Key: keys.apiKey(id), ReturnValues: 'ALL_OLD' }),
  );
  return res.Attributes !== undefined;
}

/**
 * Deletes a key only while `survivorId` (another admin key) still exists, in one transaction: two
 * admins revoking each other at the same moment cannot leave the installation without an admin.
 * Returns false when the survivor was gone.
 */
export async function deleteApiKeyKeeping(id: string, survivorId: string): Promise<boolean> {
  const table = config().tableName;
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: table, Key: keys.apiKey(id) } },
          {
            ConditionCheck: {
              TableName: table,
              Key: keys.apiKey(survivorId),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
        ],
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof TransactionCanceledException) return false;
    throw err;
  }
}

export async function listApiKeys(): Promise<ApiKey[]> {
  return (await queryPartition(keys.apiKeyListingPartition, { index: GSI1 })).map(
    (item) => item.key as ApiKey,
  );
}
