import {
  type AttributeValue,
  BatchGetItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * Capacity units counted on the wire, per phase (who was running: the redirect, a stream batch, the
 * scheduled flush). Requests outside a phase (set-up, the freshness probes) are not counted.
 *
 * Write units are computed from the items as AWS bills them: per item, the larger of its size before and
 * after the write, rounded up to 1 KB; a transactional item costs twice (Put, Update, Delete and
 * ConditionCheck alike). The sizes come from the request (a Put's item) and from reading each item right
 * before and after the request with a separate client (not counted). Every request is also sent with
 * `ReturnConsumedCapacity: TOTAL`, and what the endpoint reports is kept next to it: DynamoDB Local
 * reports single-item writes by size as AWS does, but rounds a transaction's total size once instead of
 * each item's (two small updates in one transaction: 2 units reported, 4 billed on AWS).
 */
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

type Item = Record<string, AttributeValue>;

export interface CommandUnits {
  requests: number;
  /** Items written (a transaction's or a batch's items each). */
  items: number;
  writeUnits: number;
  reportedWriteUnits: number;
  readUnits: number;
}

export interface PhaseUnits extends CommandUnits {
  byCommand: Record<string, CommandUnits>;
}

/** Sizes of the items written, by kind (the partition key's prefix: `CLICK`, `CKPT`, a counter's, …). */
export interface ItemSizes {
  writes: number;
  maxBytes: number;
  totalBytes: number;
  writeUnits: number;
}

const emptyUnits = (): CommandUnits => ({
  requests: 0,
  items: 0,
  writeUnits: 0,
  reportedWriteUnits: 0,
  readUnits: 0,
});
const emptyPhase = (): PhaseUnits => ({ ...emptyUnits(), byCommand: {} });

interface ConsumedCapacity {
  CapacityUnits?: number;
  WriteCapacityUnits?: number;
  ReadCapacityUnits?: number;
}

interface WriteTarget {
  key: Item;
  /** A Put's new item; undefined for Update (read back), null for Delete and ConditionCheck. */
  newItem: Item | undefined | null;
  transactional: boolean;
}

export class CapacityMeter {
  phase: string | undefined;
  readonly phases = new Map<string, PhaseUnits>();
  readonly itemSizes = new Map<string, ItemSizes>();
  private readonly reader: DynamoDBClient;
  private keyNames: string[] = [];

  constructor(
    endpoint: string,
    private readonly tableName: string,
  ) {
    this.reader = new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  async install(client: DynamoDBClient): Promise<this> {
    const table = await this.reader.send(new DescribeTableCommand({ TableName: this.tableName }));
    this.keyNames = (table.Table?.KeySchema ?? []).map((k) => k.AttributeName!);
    // biome-ignore lint/suspicious/noExplicitAny: the middleware stack's generics do not matter here
    const stack = client.middlewareStack as any;
    const counted = (context: { commandName?: string }) => {
      const command = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      return this.phase && (WRITES.has(command) || READS.has(command)) ? command : undefined;
    };
    stack.add(
      // biome-ignore lint/suspicious/noExplicitAny: see above
      (next: any, context: any) => async (args: any) => {
        if (counted(context)) args.input.ReturnConsumedCapacity = 'TOTAL';
        return next(args);
      },
      { step: 'initialize', name: 'benchReturnConsumedCapacity', priority: 'high' },
    );
    stack.add(
      // At the build step the input is in DynamoDB's wire form (the document client has marshalled it).
      // biome-ignore lint/suspicious/noExplicitAny: see above
      (next: any, context: any) => async (args: any) => {
        const phase = this.phase;
        const command = counted(context);
        if (!phase || !command) return next(args);
        const targets = WRITES.has(command) ? this.targets(command, args.input) : [];
        const before = await this.read(targets.map((t) => t.key));
        const result = await next(args);
        const after = await this.read(targets.filter((t) => t.newItem === undefined).map((t) => t.key));
        this.record(phase, command, targets, before, after, result?.output?.ConsumedCapacity);
        return result;
      },
      { step: 'build', name: 'benchCapacityMeter', priority: 'high' },
    );
    return this;
  }

  stop(): void {
    this.reader.destroy();
  }

  // biome-ignore lint/suspicious/noExplicitAny: a request of any of the write commands
  private targets(command: string, input: any): WriteTarget[] {
    const keyOf = (item: Item): Item => Object.fromEntries(this.keyNames.map((k) => [k, item[k]!]));
    if (command === 'PutItem') return [{ key: keyOf(input.Item), newItem: input.Item, transactional: false }];
    if (command === 'UpdateItem') return [{ key: input.Key, newItem: undefined, transactional: false }];
    if (command === 'DeleteItem') return [{ key: input.Key, newItem: null, transactional: false }];
    if (command === 'BatchWriteItem') {
      // biome-ignore lint/suspicious/noExplicitAny: see above
      return Object.values(input.RequestItems ?? {}).flatMap((requests: any) =>
        // biome-ignore lint/suspicious/noExplicitAny: see above
        requests.map((r: any) =>
          r.PutRequest
            ? { key: keyOf(r.PutRequest.Item), newItem: r.PutRequest.Item, transactional: false }
            : { key: r.DeleteRequest.Key, newItem: null, transactional: false },
        ),
      );
    }
    // biome-ignore lint/suspicious/noExplicitAny: see above
    return (input.TransactItems ?? []).map((t: any) =>
      t.Put
        ? { key: keyOf(t.Put.Item), newItem: t.Put.Item, transactional: true }
        : {
            key: (t.Update ?? t.Delete ?? t.ConditionCheck).Key,
            newItem: t.Update ? undefined : null,
            transactional: true,
          },
    );
  }

  /** The items at these keys now (absent ones left out), by key. */
  private async read(keyList: Item[]): Promise<Map<string, Item>> {
    const out = new Map<string, Item>();
    for (let i = 0; i < keyList.length; i += 100) {
      let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> | undefined = {
        [this.tableName]: { Keys: keyList.slice(i, i + 100), ConsistentRead: true },
      };
      while (request && Object.keys(request).length) {
        const res = await this.reader.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of res.Responses?.[this.tableName] ?? []) out.set(this.keyId(item), item);
        request = res.UnprocessedKeys as typeof request;
      }
    }
    return out;
  }

  private keyId(item: Item): string {
    return this.keyNames.map((k) => item[k]?.S ?? item[k]?.N ?? '').join('\u0000');
  }

  private record(
    phase: string,
    command: string,
    targets: WriteTarget[],
    before: Map<string, Item>,
    after: Map<string, Item>,
    consumed: ConsumedCapacity | ConsumedCapacity[] | undefined,
  ): void {
    const p = this.phases.get(phase) ?? emptyPhase();
    this.phases.set(phase, p);
    const c = p.byCommand[command] ?? emptyUnits();
    p.byCommand[command] = c;
    let reported = 0;
    for (const cc of [consumed ?? []].flat()) {
      const units = cc.CapacityUnits ?? 0;
      if (WRITES.has(command)) reported += cc.WriteCapacityUnits ?? units;
      else {
        p.readUnits += cc.ReadCapacityUnits ?? units;
        c.readUnits += cc.ReadCapacityUnits ?? units;
      }
    }
    let units = 0;
    for (const t of targets) {
      const id = this.keyId(t.key);
      const newItem = t.newItem === undefined ? after.get(id) : t.newItem;
      const bytes = Math.max(itemBytes(before.get(id)), itemBytes(newItem ?? undefined));
      const itemUnits = Math.max(1, Math.ceil(bytes / 1024)) * (t.transactional ? 2 : 1);
      units += itemUnits;
      const kind = (t.key[this.keyNames[0]!]?.S ?? '').split('#')[0] || '?';
      const s = this.itemSizes.get(kind) ?? { writes: 0, maxBytes: 0, totalBytes: 0, writeUnits: 0 };
      s.writes++;
      s.maxBytes = Math.max(s.maxBytes, bytes);
      s.totalBytes += bytes;
      s.writeUnits += itemUnits;
      this.itemSizes.set(kind, s);
    }
    for (const u of [p, c]) {
      u.requests++;
      u.items += targets.length;
      u.writeUnits += units;
      u.reportedWriteUnits += reported;
    }
  }

  /** Every phase summed, except those named in `except`. */
  total(except: readonly string[] = []): PhaseUnits {
    const t = emptyPhase();
    const add = (to: CommandUnits, from: CommandUnits) => {
      for (const k of Object.keys(emptyUnits()) as Array<keyof CommandUnits>) to[k] += from[k];
    };
    for (const [name, p] of this.phases) {
      if (except.includes(name)) continue;
      add(t, p);
      for (const [name, c] of Object.entries(p.byCommand)) {
        t.byCommand[name] ??= emptyUnits();
        add(t.byCommand[name], c);
      }
    }
    return t;
  }

  reset(): void {
    this.phases.clear();
    this.itemSizes.clear();
  }
}

/** An item's size as DynamoDB counts it (docs: "Item sizes and formats"): names plus values. */
export function itemBytes(item: Item | undefined): number {
  if (!item) return 0;
  let n = 0;
  for (const [name, value] of Object.entries(item)) n += Buffer.byteLength(name) + valueBytes(value);
  return n;
}

function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (v.NS) return v.NS.reduce((s, x) => s + numberBytes(x), 0);
  if (v.BS) return v.BS.reduce((s, x) => s + x.length, 0);
  if (v.L) return 3 + v.L.reduce((s, x) => s + 1 + valueBytes(x), 0);
  if (v.M)
    return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + valueBytes(x), 0);
  return 0;
}

/** About one byte per two significant digits, plus one. */
function numberBytes(n: string): number {
  const digits = n
    .replace(/^-/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}
