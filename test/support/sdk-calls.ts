import { dynamoClient } from '#shared/dynamo';

/**
 * The one way tests watch and break the shared DynamoDB client's requests: a middleware at the SDK's
 * build step (one call per `send`, after the document client's marshalling, before retries), against the
 * real DynamoDB Local. Use it to count
 * requests and to inject a fault into a chosen one; aws-sdk-client-mock is for replacing answers outright.
 */
export interface SdkCall {
  /** e.g. `PutItemCommand`, `TransactWriteItemsCommand`. */
  command: string;
  /**
   * The command's input as the low-level client gets it: after the document client's marshalling, so
   * keys are attribute values (`{ pk: { S: 'LINK#…' } }`).
   */
  input: SdkInput;
  /** The SDK's handler context, e.g. to wrap its log filters. */
  context: Record<string, unknown>;
}

type AttributeValue = { S?: string; N?: string; BOOL?: boolean };
type Operation = { Key?: Record<string, AttributeValue>; Item?: Record<string, AttributeValue> };
export interface SdkInput extends Operation {
  TransactItems?: Array<Partial<Record<'Put' | 'Update' | 'Delete' | 'ConditionCheck', Operation>>>;
  [field: string]: unknown;
}

export interface WatchOptions {
  /**
   * Sees the outcome of the call: called after it settles, with the error when it failed (an injected
   * fault, a cancelled transaction, a throttle).
   */
  settled?: (call: SdkCall, error?: unknown) => void;
}

let serial = 0;

/**
 * Calls `onCall` before each request the shared client sends, until the returned function is called.
 * When `onCall` throws, that request fails with the error and is not sent (fault injection); when it
 * returns a promise, the request waits for it.
 */
export function watchSdkCalls(
  onCall: (call: SdkCall) => void | Promise<void>,
  options: WatchOptions = {},
): () => void {
  const name = `sdk-calls-${++serial}`;
  dynamoClient.middlewareStack.add(
    (next, context) => async (args) => {
      const call: SdkCall = {
        command: context.commandName ?? 'unknown',
        input: args.input as SdkInput,
        context: context as Record<string, unknown>,
      };
      try {
        await onCall(call);
        const result = await next(args);
        options.settled?.(call);
        return result;
      } catch (err) {
        options.settled?.(call, err);
        throw err;
      }
    },
    { step: 'build', name },
  );
  return () => {
    dynamoClient.middlewareStack.remove(name);
  };
}

/** Runs `fn` and returns its result with every request the shared client sent meanwhile, in order. */
export async function recordSdkCalls<T>(
  fn: () => Promise<T>,
  onCall?: (call: SdkCall) => void | Promise<void>,
): Promise<{ result: T; calls: SdkCall[] }> {
  const calls: SdkCall[] = [];
  const stop = watchSdkCalls(async (call) => {
    calls.push(call);
    await onCall?.(call);
  });
  try {
    return { result: await fn(), calls };
  } finally {
    stop();
  }
}

/**
 * Runs `fn` while the requests for which `fails(call)` is true throw `error()` instead of reaching
 * DynamoDB. `fails` sees every request in order, so it can count (`++n === 2`).
 */
export async function withSdkFault<T>(
  fails: (call: SdkCall) => boolean,
  error: () => Error,
  fn: () => Promise<T>,
): Promise<T> {
  const stop = watchSdkCalls((call) => {
    if (fails(call)) throw error();
  });
  try {
    return await fn();
  } finally {
    stop();
  }
}

/** An AWS service error as the SDK throws it: `name` is what retry logic and our code look at. */
export function sdkError(name: string, message = `injected: ${name}`): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}
