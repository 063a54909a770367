import { beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '#shared/dynamo';
import { setupApp } from '../support/app';
import { bodyOf } from '../support/inspect';

/**
 * The shared DynamoDB client must not pay for logging nobody reads: the SDK's logger middleware builds a
 * redacted copy of every input and output whenever the logger has an `info` method, even a no-op one
 * (docs/benchmarks.md, figures 2 and 5). Observed at the client: the redaction functions the SDK hands
 * to its middleware must never be called, on the redirect's click write nor on a funnel read.
 */
describe('shared DynamoDB client', () => {
  let app: Awaited<ReturnType<typeof setupApp>>;
  beforeAll(async () => {
    app = await setupApp();
  });

  it('never builds redacted log copies of requests or responses', async () => {
    const redactions: string[] = [];
    const name = `count-redactions-${Math.random()}`;
    dynamoClient.middlewareStack.add(
      (next, context) => async (args) => {
        const ctx = context as Record<string, unknown>;
        for (const key of ['inputFilterSensitiveLog', 'outputFilterSensitiveLog'] as const) {
          const filter = ctx[key] as ((value: unknown) => unknown) | undefined;
          if (filter)
            ctx[key] = (value: unknown) => {
              redactions.push(`${context.commandName} ${key}`);
              return filter(value);
            };
        }
        return next(args);
      },
      { step: 'initialize', name, priority: 'high' },
    );
    try {
      const created = await app.api({
        method: 'POST',
        path: '/api/links',
        body: { url: 'https://shop.example/log-cost', touchpoint: 'log-cost', stage: 'awareness' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const { slug } = bodyOf<{ slug: string }>(created);
      const redirect = await app.click(slug);
      expect(redirect.statusCode).toBe(302);
      const funnel = await app.api({ method: 'GET', path: '/api/journeys/default/funnel' });
      expect(funnel.statusCode, funnel.body).toBe(200);
    } finally {
      dynamoClient.middlewareStack.remove(name);
    }
    expect(redactions).toEqual([]);
  });
});
