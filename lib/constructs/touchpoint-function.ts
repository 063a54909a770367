import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { GSI1, keys } from '#shared/keys';

/** Repository root (this file lives in lib/constructs/). Entries and the lock file are resolved from it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Newest Node.js runtime in aws-cdk-lib 2.276; the esbuild target below must match it. */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const ESBUILD_TARGET = 'node24';
/**
 * Every function's NODE_OPTIONS: stack traces in the logs point at the TypeScript sources. It costs cold
 * starts the source map's parse (~9 ms for the redirect bundle on the bench machine); figure 3 of the
 * benchmarks measures init time with it, as deployed.
 */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

/**
 * `require` for CommonJS dependencies bundled into an ES module (qrcode requires Node built-ins).
 * The import is aliased so it cannot clash with a `createRequire` the bundled code declares itself.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __tpCreateRequire } from 'node:module'; const require = __tpCreateRequire(import.meta.url);";

interface TableAccessSpec {
  actions: readonly `dynamodb:${string}`[];
  indexes: boolean;
  /** Actions allowed only on items whose partition key matches one of these patterns (IAM LeadingKeys). */
  scoped?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Exactly the DynamoDB actions each function needs, nothing table-level (no Scan, no DescribeTable,
 * no admin actions). `indexes` adds the table's index ARNs as resources (Query on `gsi1`).
 * The aggregate function's stream read permissions come from its event source mapping.
 */
export const TABLE_ACCESS = {
  /** Link lookup by slug, and the click write. */
  redirect: { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], indexes: false },
  /** Links, journeys, API keys and statistics reads (Query on the table and on gsi1). */
  api: {
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:ConditionCheckItem',
    ],
    indexes: true,
  },
  /**
   * Visitor states, checkpoints and pending counter deltas written in transactions, deltas applied to
   * the counters and deleted (ADR 0009); Query reads delta slots and sums a link's counters for maxClicks.
   */
  aggregate: {
    actions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ],
    indexes: false,
    // It only ever deletes applied counter deltas and finished jobs, all in the delta partitions: a bug
    // or a bad record cannot make it delete a link, a click or a counter.
    scoped: { 'dynamodb:DeleteItem': [keys.deltaPartitionPattern] },
  },
} as const satisfies Record<string, TableAccessSpec>;

export type TableAccess = keyof typeof TABLE_ACCESS;

export interface TouchpointFunctionProps {
  /** Handler file, relative to the repository root (e.g. `functions/handlers/redirect.ts`). */
  readonly entry: string;
  readonly description?: string;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
  /** Removal policy of the function's log group. @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Extra bundling options, merged over the shared defaults (e.g. `commandHooks`). */
  readonly bundling?: BundlingOptions;
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A Lambda function built from a TypeScript handler with the project's shared defaults: ARM64, the
 * newest Node.js runtime, ES module output bundled locally by esbuild (minified, with source maps),
 * its own log group with a retention, and explicit least-privilege table access via `bindTable`.
 */
export class TouchpointFunction extends NodejsFunction {
  /** The handler file it was built from, relative to the repository root. */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: TouchpointFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    // Its own role, allowed to write to its own log group only (the managed AWSLambdaBasicExecutionRole
    // would allow any log group in the account, and creating new ones).
    const role = new iam.Role(scope, `${id}ServiceRole`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Touchpoint ${id}: its own log group and the table actions of bindTable`,
    });
    logGroup.grantWrite(role);
    const lockFile = `${PROJECT_ROOT}package-lock.json`;
    super(scope, id, {
      role,
      entry: `${PROJECT_ROOT}${props.entry}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: existsSync(lockFile) ? lockFile : undefined,
      description: props.description,
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        minify: true,
        sourceMap: true,
        // Line numbers map without shipping the sources: smaller bundles, faster cold starts.
        sourcesContent: false,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // Pin the SDK version from package-lock.json instead of whatever the runtime ships.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        ...props.bundling,
      },
    });
    this.entry = props.entry;
  }

  /**
   * Give this function exactly the table actions of `access` (see TABLE_ACCESS) through an explicit
   * policy statement, and tell it the table's name.
   */
  bindTable(table: dynamodb.ITable, access: TableAccess): this {
    const spec: TableAccessSpec = TABLE_ACCESS[access];
    const scoped = spec.scoped ?? {};
    const sid = `TouchpointTable${access[0]!.toUpperCase()}${access.slice(1)}`;
    const resources = spec.indexes ? [table.tableArn, `${table.tableArn}/index/${GSI1}`] : [table.tableArn];
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid,
        effect: iam.Effect.ALLOW,
        actions: spec.actions.filter((a) => !(a in scoped)),
        resources,
      }),
    );
    for (const [action, leadingKeys] of Object.entries(scoped)) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          sid: `${sid}${action.replace('dynamodb:', '')}Scoped`,
          effect: iam.Effect.ALLOW,
          actions: [action],
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] } },
        }),
      );
    }
    this.addEnvironment('TABLE_NAME', table.tableName);
    return this;
  }
}
