import { vi } from 'vitest';

// Kept apart from inspect.ts on purpose: that module imports the shared DynamoDB client, and a test that
// points DYNAMODB_ENDPOINT somewhere else first (redirect-timeout) must be able to import this one early.

/** Captures what the process writes to stderr (error log lines) while `fn` runs. */
export async function captureStderr(fn: () => Promise<unknown>): Promise<string[]> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return written.join('').split('\n').filter(Boolean);
}
