import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupApp } from '../support/app';
import { bodyOf, countItems } from '../support/inspect';
import { watchSdkCalls } from '../support/sdk-calls';

/**
 * Real DynamoDB cancels a transaction with `TransactionConflict` when another request writes one of its
 * items at the same moment (DynamoDB Local serialises, so the fault is injected in front of the shared
 * client). Link create and edit retry it; when it persists they answer 409 with the error JSON and
 * change nothing — never 500.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
let stopConflicts = () => {};
let transactions = 0;

const conflict = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled [None, TransactionConflict, None]',
    $metadata: {},
    CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }, { Code: 'None' }],
  });

/** The next `failures` link transactions conflict; every other request reaches DynamoDB Local. */
function conflicting(failures: number) {
  let left = failures;
  transactions = 0;
  stopConflicts = watchSdkCalls(({ command }) => {
    if (command !== 'TransactWriteItemsCommand') return;
    transactions++;
    if (left-- > 0) throw conflict();
  });
}

const create = (touchpoint: string) =>
  app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: `https://shop.example/${touchpoint}`, touchpoint, stage: 'awareness' },
  });

afterEach(() => {
  stopConflicts();
});

beforeAll(async () => {
  app = await setupApp();
});

describe('a link transaction that conflicts', () => {
  it('is retried: create and edit succeed after two conflicts', async () => {
    conflicting(2);
    const created = await create('conflict-once');
    expect(created.statusCode, created.body).toBe(201);
    expect(transactions).toBe(3);
    const link = bodyOf(created);

    conflicting(2);
    const edited = await app.api({
      method: 'PATCH',
      path: `/api/links/${link.id}`,
      body: { url: 'https://shop.example/edited' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(bodyOf(edited).url).toBe('https://shop.example/edited');
  });

  it('answers 409 with the error JSON when it persists, and stores nothing', async () => {
    const before = await countItems();
    conflicting(100);
    const res = await create('conflict-always');
    expect(res.statusCode, res.body).toBe(409);
    expect(JSON.parse(String(res.body)).error.code).toBe('conflict');
    stopConflicts();
    expect(await countItems()).toBe(before);
  });
});
