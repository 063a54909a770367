import type { PendingClickWrite } from '#clicks/service';

/**
 * The local server's click writes still running after their 302s were sent (ADR 0027). Bounded: with
 * `limit` writes in flight the server holds the next redirect's answer until an earlier write ends and
 * hands over its slot (back-pressure), so a load the DynamoDB endpoint cannot absorb slows the clients
 * down instead of queueing writes in memory until they time out. Below the bound no one waits.
 *
 * The default (64) is about the SDK's socket pool (50): past it, writes would only queue in the pool,
 * spending their deadline (CLICK_WRITE_TIMEOUT_MS) waiting for a socket.
 */
export class ClickWritesInFlight {
  private readonly running = new Set<Promise<boolean>>();
  /** Slots held by running writes and by redirects about to start theirs. */
  private slotsTaken = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  get size(): number {
    return this.running.size;
  }

  /**
   * Takes a slot for one write: null when one was free, else a promise that resolves when an earlier
   * write has ended and handed its slot over (first come, first served).
   */
  takeSlot(): Promise<void> | null {
    if (this.slotsTaken < this.limit) {
      this.slotsTaken++;
      return null;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Runs a write in the slot taken for it; the write never rejects. */
  start(pending: PendingClickWrite): void {
    const write = pending.write().finally(() => {
      this.running.delete(write);
      const next = this.waiting.shift();
      if (next) next();
      else this.slotsTaken--;
    });
    this.running.add(write);
  }

  /** Waits for the writes started so far and those waiting for a slot (the server stopping, a test). */
  async settled(): Promise<void> {
    while (this.running.size || this.waiting.length) {
      await Promise.allSettled([...this.running]);
      await new Promise((resolve) => setImmediate(resolve)); // let a redirect handed a slot start its write
    }
  }
}
