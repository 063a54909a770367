import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startDynamoLocal } from '../../functions/local/dynamodb-local';

/** The command line of the Java process serving DynamoDB Local on `port`. */
function javaArgs(port: string): string {
  const ps = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
  const line = ps.split('\n').find((args) => args.startsWith('java ') && args.includes(` -port ${port} `));
  if (!line) throw new Error(`no DynamoDB Local Java process on port ${port}:\n${ps}`);
  return line;
}

describe('embedded DynamoDB Local', () => {
  const saved = process.env.DYNAMODB_LOCAL_JAVA_OPTS;
  afterEach(() => {
    if (saved === undefined) delete process.env.DYNAMODB_LOCAL_JAVA_OPTS;
    else process.env.DYNAMODB_LOCAL_JAVA_OPTS = saved;
  });

  it('runs on the Parallel collector by default (docs/adr/0012)', () => {
    // The suite's own DynamoDB Local, started by the global setup: with the defaults, unless whoever runs
    // the suite set their own options, which must then be what Java got instead.
    const args = javaArgs(new URL(inject('dynamoEndpoint')).port);
    const custom = saved?.trim();
    if (custom) {
      for (const option of custom.split(/\s+/)) expect(args).toContain(option);
      return;
    }
    expect(args).toContain('-XX:+UseParallelGC');
    expect(args).not.toContain('G1');
  });

  it('takes its JVM options from DYNAMODB_LOCAL_JAVA_OPTS and reports a bad one with Java’s own words', async () => {
    process.env.DYNAMODB_LOCAL_JAVA_OPTS = '-Xmx256m -XX:+NoSuchOption';
    await expect(startDynamoLocal()).rejects.toThrow(/exited during start[\s\S]*NoSuchOption/);
  });
});
