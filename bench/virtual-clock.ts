/**
 * A virtual wall clock for simulating hours of traffic in minutes: while installed, `Date.now()` and
 * `new Date()` (no arguments) read the virtual time, which moves only when `set` is called. Timers and
 * `performance.now()` keep real time, so timeouts and back-offs in the code still behave. The code under
 * test is not told: it reads the clock it always reads.
 */
export class VirtualClock {
  private readonly RealDate = Date;
  private nowMs: number;
  private installed = false;

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  /** Moves the clock to `ms`; never backwards (the code under test may rely on time not going back). */
  set(ms: number): void {
    if (ms < this.nowMs) throw new Error(`virtual clock cannot go back (${ms} < ${this.nowMs})`);
    this.nowMs = ms;
  }

  install(): this {
    if (this.installed) return this;
    const RealDate = this.RealDate;
    const clock = this;
    class VirtualDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(clock.nowMs);
        else super(...(args as [string | number | Date]));
      }
      static override now(): number {
        return clock.nowMs;
      }
    }
    globalThis.Date = VirtualDate as DateConstructor;
    this.installed = true;
    return this;
  }

  uninstall(): void {
    if (!this.installed) return;
    globalThis.Date = this.RealDate;
    this.installed = false;
  }
}
