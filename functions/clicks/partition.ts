import { CLICK_PARTITIONS } from '#shared/keys';

/**
 * The raw-click partition this process writes every click to (ADR 0058). One per redirect environment,
 * not one per click: a Lambda environment serves one request at a time (≤ ~200 clicks/s), so its key stays
 * far below DynamoDB's 1,000 writes/s per key, while at real traffic (one to a few environments) a
 * stream batch holds the clicks of one or two keys: one checkpoint item to advance and one shard's batches
 * instead of every shard's. At 10,000 clicks/s the environments (~100–300) spread over the 32 keys as random
 * clicks did (docs/data-model.md, hot keys).
 */
let current = Math.floor(Math.random() * CLICK_PARTITIONS);

export function environmentClickPartition(): number {
  return current;
}

/** Sets this process's partition: the write-cost benchmark plays several redirect environments in one process. */
export function useEnvironmentClickPartition(partition: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= CLICK_PARTITIONS)
    throw new RangeError(`a raw-click partition is an integer from 0 to ${CLICK_PARTITIONS - 1}`);
  current = partition;
}
