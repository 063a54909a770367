import { config } from '#shared/config';
import { log } from '#shared/log';
import { recordMetric } from '#shared/metrics';
import { CLICK_WRITE_FAILED, type ClickEvent } from './model';
import { clickItem, clickPartition, putClick } from './repository';

/**
 * A click the redirect has answered and still has to store: the redirect sends its 302 first and runs
 * `write()` afterwards (ADR 0027). Never rejects: if DynamoDB refuses or is slow, the whole item goes to
 * one structured log line (`click_write_failed`) from which `npm run replay` re-inserts it under the same
 * key.
 */
export interface PendingClickWrite {
  readonly click: ClickEvent;
  /** Resolves true when the click is stored, false when it went to the replay log instead. */
  write(): Promise<boolean>;
}

/** `partition`: where the click is stored; chosen by the caller when a `tp_cid` token must name it. */
export function pendingClickWrite(click: ClickEvent, partition = clickPartition(click)): PendingClickWrite {
  const item = clickItem(click, partition, config().clickRetentionDays);
  return {
    click,
    write: async () => {
      try {
        await putClick(item);
        recordMetric.clickRecorded();
        return true;
      } catch (err) {
        recordMetric.clickWriteFailed();
        log.error(CLICK_WRITE_FAILED, {
          item,
          error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        });
        return false;
      }
    },
  };
}

/** Stores a click now; never throws (see PendingClickWrite). */
export function recordClick(click: ClickEvent): Promise<boolean> {
  return pendingClickWrite(click).write();
}
