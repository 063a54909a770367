import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts real DynamoDB requests at the SDK of the process (no mocking): `commands` at the initialize step
 * (one per `send`), `attempts` at the finalizeRequest step after the retry middleware (one per HTTP
 * request actually sent, retries included), per command name, plus items returned by Query/Scan.
 */
export class SdkCounter {
  enabled = false;
  commands = 0;
  attempts = 0;
  readonly byCommand = new Map<string, number>();
  /** Wall time spent in `send` per command (overlapping requests add up). */
  readonly msByCommand = new Map<string, number>();
  queryItems = 0;
  /** Commands that ended in an error (after retries). */
  failures = 0;

  install(client: DynamoDBClient): this {
    // biome-ignore lint/suspicious/noExplicitAny: the middleware stack's generics do not matter here
    const stack = client.middlewareStack as any;
    stack.add(
      // biome-ignore lint/suspicious/noExplicitAny: see above
      (next: any, context: any) => async (args: any) => {
        if (!this.enabled) return next(args);
        this.commands++;
        const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        this.byCommand.set(name, (this.byCommand.get(name) ?? 0) + 1);
        // biome-ignore lint/suspicious/noExplicitAny: see above
        let result: any;
        const t0 = performance.now();
        try {
          result = await next(args);
        } catch (err) {
          this.failures++;
          throw err;
        } finally {
          this.msByCommand.set(name, (this.msByCommand.get(name) ?? 0) + performance.now() - t0);
        }
        const count = result?.output?.Count;
        if (typeof count === 'number') this.queryItems += count;
        return result;
      },
      { step: 'initialize', name: 'benchCountCommands', priority: 'high' },
    );
    stack.add(
      // biome-ignore lint/suspicious/noExplicitAny: see above
      (next: any) => async (args: any) => {
        if (this.enabled) this.attempts++;
        return next(args);
      },
      { step: 'finalizeRequest', name: 'benchCountAttempts', priority: 'low' },
    );
    return this;
  }

  reset(): void {
    this.commands = 0;
    this.attempts = 0;
    this.queryItems = 0;
    this.failures = 0;
    this.byCommand.clear();
    this.msByCommand.clear();
  }

  summary(): string {
    return [...this.byCommand].map(([name, n]) => `${name}×${n}`).join(', ') || 'none';
  }
}
