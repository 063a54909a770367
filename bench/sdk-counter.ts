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
  /**
   * Wall time during which at least one request of a command was in flight (overlapping requests of the
   * same command count once), and `anyBusyMs` the same for any request.
   */
  readonly msByCommand = new Map<string, number>();
  anyBusyMs = 0;
  private readonly inFlight = new Map<string, { n: number; since: number }>();
  private anyInFlight = { n: 0, since: 0 };
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
        this.begin(name);
        try {
          result = await next(args);
        } catch (err) {
          this.failures++;
          throw err;
        } finally {
          this.end(name);
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

  private begin(name: string): void {
    const now = performance.now();
    const f = this.inFlight.get(name) ?? { n: 0, since: now };
    if (f.n === 0) f.since = now;
    f.n++;
    this.inFlight.set(name, f);
    if (this.anyInFlight.n === 0) this.anyInFlight.since = now;
    this.anyInFlight.n++;
  }

  private end(name: string): void {
    const now = performance.now();
    const f = this.inFlight.get(name)!;
    f.n--;
    if (f.n === 0) this.msByCommand.set(name, (this.msByCommand.get(name) ?? 0) + now - f.since);
    this.anyInFlight.n--;
    if (this.anyInFlight.n === 0) this.anyBusyMs += now - this.anyInFlight.since;
  }

  reset(): void {
    this.commands = 0;
    this.attempts = 0;
    this.queryItems = 0;
    this.failures = 0;
    this.byCommand.clear();
    this.msByCommand.clear();
    this.anyBusyMs = 0;
  }

  summary(): string {
    return [...this.byCommand].map(([name, n]) => `${name}×${n}`).join(', ') || 'none';
  }
}
