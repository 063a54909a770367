/**
 * Throttles clients that keep presenting wrong API keys (issue 14, docs/security.md). Each wrong key
 * costs a DynamoDB read, so a client past `limit` failures in `windowMs` is answered 429 before the
 * lookup until its oldest failure leaves the window.
 *
 * Per process: a Lambda environment or the local server. In AWS the WAF rate rule on /api/* bounds the
 * sum over environments; this limiter makes one busy environment cheap to defend. A client shares its
 * address with others (an office NAT), so a key that has authenticated here before is never held back:
 * a guesser behind the same address cannot lock out its colleagues.
 */
export interface FailureLimiterOptions {
  limit: number;
  windowMs: number;
  /** Clients tracked at once; the least recently failing are forgotten first (bounded memory). */
  maxClients?: number;
  now?: () => number;
}

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly trusted = new Set<string>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(options: FailureLimiterOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.maxClients = options.maxClients ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds the client must wait, or 0 when the attempt may go ahead. */
  retryAfterSeconds(client: string, keyFingerprint: string | null): number {
    if (keyFingerprint !== null && this.trusted.has(keyFingerprint)) return 0;
    const recent = this.recentFailures(client);
    if (recent.length < this.limit) return 0;
    const oldest = recent[recent.length - this.limit] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  recordFailure(client: string, keyFingerprint: string | null): void {
    // A revoked key stops being a way past the limiter.
    if (keyFingerprint !== null) this.trusted.delete(keyFingerprint);
    const recent = this.recentFailures(client);
    recent.push(this.now());
    // Only the last `limit` failures decide anything; older ones need not be kept.
    if (recent.length > this.limit) recent.splice(0, recent.length - this.limit);
    this.failures.delete(client);
    this.failures.set(client, recent);
    if (this.failures.size > this.maxClients) {
      const leastRecent = this.failures.keys().next().value;
      if (leastRecent !== undefined) this.failures.delete(leastRecent);
    }
  }

  recordSuccess(keyFingerprint: string): void {
    if (this.trusted.size >= this.maxClients) this.trusted.clear();
    this.trusted.add(keyFingerprint);
  }

  private recentFailures(client: string): number[] {
    const since = this.now() - this.windowMs;
    const recent = (this.failures.get(client) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.failures.delete(client);
    return recent;
  }
}
