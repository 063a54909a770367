/**
 * How fresh reported numbers are (ADR 0041), in one place for the stack, the docs and the API answers.
 * A click reaches the aggregator within the batching window; its counter change waits as a pending delta
 * until its slot is 30 s old or holds 1,000 clicks, and the scheduled run applies whatever is left every
 * minute. So every click older than FRESHNESS_SECONDS is counted; at steady traffic, usually within ~35 s.
 */

/** Seconds Lambda's event source mapping may gather stream records before invoking the aggregator. */
export const AGGREGATE_BATCHING_WINDOW_SECONDS = 5;
/** How often the scheduled run applies pending counter deltas (EventBridge's shortest rate). */
export const APPLY_SCHEDULE_SECONDS = 60;
/** Every click older than this many seconds is in the numbers the API reports. */
export const FRESHNESS_SECONDS = AGGREGATE_BATCHING_WINDOW_SECONDS + APPLY_SCHEDULE_SECONDS;
