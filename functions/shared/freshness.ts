/**
 * How fresh reported numbers are (ADR 0059), in one place for the stack, the docs and the API answers.
 * Reports add the counter changes still pending to the counter items (counter-snapshot.ts), so a click is
 * in the numbers once the aggregator has committed its stream batch: the batching window, plus the
 * stream's own delay, Lambda's polling and the aggregator's run. When the counters themselves are applied
 * (AGGREGATE_FLUSH_SECONDS, the scheduled run) is a matter of write cost only.
 */

/**
 * Seconds Lambda's event source mapping may gather stream records before invoking the aggregator. Each
 * stream batch pays its own writes (checkpoint and delta in a transaction, the delta's deletion), so at
 * real traffic a longer window is cheaper per click: at 1 click/s, 5 s gives batches of ~3 clicks and
 * 3.5 write units per click, 20 s batches of ~11 and 2.4 (ADR 59). 20 s keeps numbers within 25 s.
 */
export const AGGREGATE_BATCHING_WINDOW_SECONDS = 20;
/**
 * Allowed for a record to reach the stream (usually well under a second), Lambda's polling of the shard
 * and one aggregator run, cold start included.
 */
export const AGGREGATOR_RUN_ALLOWANCE_SECONDS = 5;
/** How often the scheduled run applies pending counter deltas that are old enough (EventBridge's shortest rate). */
export const APPLY_SCHEDULE_SECONDS = 60;
/** Every click older than this many seconds is in the numbers the API reports (while the aggregator keeps up). */
export const FRESHNESS_SECONDS = AGGREGATE_BATCHING_WINDOW_SECONDS + AGGREGATOR_RUN_ALLOWANCE_SECONDS;
