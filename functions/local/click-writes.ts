import type { PendingClickWrite } from '../clicks/service';

/**
 * The local server's click writes still running after their 302 was sent (ADR 0027). Bounded: past
 * `limit` writes in flight (DynamoDB slow or stalled under load), a click goes straight to the replay
 * log (`click_write_failed`) instead of waiting in memory, so a stall cannot grow the process without
 * end, and the customer still never waits.
 */
export class ClickWritesInFlight {
  private readonly running = new Set<Promise<boolean>>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.running.size;
  }

  start(pending: PendingClickWrite): void {
    if (this.running.size >= this.limit) {
      pending.toReplayLog(`more than ${this.limit} click writes in flight`);
      return;
    }
    const write = pending.write().finally(() => this.running.delete(write));
    this.running.add(write);
  }

  /** Waits for the writes started so far (the server stopping, a test reading what was stored). */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}
