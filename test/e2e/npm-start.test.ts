import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '#local/dynamodb-local';

/**
 * `npm start`'s entry point as a user runs it: a process that starts DynamoDB Local as a child, prints
 * the URL and an admin key, stops everything on Ctrl-C, and keeps its data (and key) across restarts.
 * One start/restart pair: each start takes several seconds.
 */
const ROOT = resolve(__dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'touchpoint-start-'));
const started: ChildProcess[] = [];

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
  adminKey: string;
  dynamoPort: number;
}

function childEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TOUCHPOINT_DATA_DIR: dataDir };
  // The test worker's own settings must not leak into the server under test.
  for (const name of [
    'DYNAMODB_ENDPOINT',
    'TABLE_NAME',
    'TOUCHPOINT_BASE_URL',
    'TOUCHPOINT_API_KEY',
    'LINK_CACHE_TTL_SECONDS',
    'TOUCHPOINT_LOG_SILENT',
  ]) {
    delete env[name];
  }
  return env;
}

async function start(port: number): Promise<Started> {
  // Its own process group, like a terminal's foreground job, so Ctrl-C can be sent to all of it.
  const child = spawn('npx', ['tsx', 'bin/local.ts'], {
    cwd: ROOT,
    env: childEnv(port),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 40_000;
  while (!/running at \S+/.test(out)) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not print "running at" within 40 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 200)); // the rest of the banner
  const url = /running at (http:\/\/\S+)/.exec(out)![1]!;
  const adminKey = /Admin key:\s+(\S+)/.exec(out)?.[1] ?? '';
  const dynamoPort = Number(/DynamoDB:\s+http:\/\/[^:\s]+:(\d+)/.exec(out)?.[1] ?? 0);
  return { child, output: () => out, url, adminKey, dynamoPort };
}

function exited(child: ChildProcess, timeoutMs = 20_000): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The process running bin/local.ts (below npx, sh and tsx's launcher, in the group `pgid`): the parent
 * of DynamoDB Local's watchdog shell, which runs in a process group of its own.
 */
function serverPid(pgid: number): number {
  const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' });
  const rows = ps.split('\n').map((l) => l.trim().split(/\s+/));
  const inGroup = new Set(rows.filter((cols) => Number(cols[2]) === pgid).map((cols) => Number(cols[0])));
  const watchdog = rows.find(
    (cols) => cols.includes('dynamodb-local-watchdog') && inGroup.has(Number(cols[1])),
  );
  if (!watchdog) throw new Error(`no DynamoDB Local watchdog under group ${pgid}:\n${ps}`);
  return Number(watchdog[1]);
}

/** Whether any process is still serving the DynamoDB Local jar of this data directory. */
function dynamoLocalRunning(): boolean {
  const ps = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
  return ps.split('\n').some((args) => args.startsWith('java ') && args.includes(dataDir));
}

afterAll(() => {
  for (const child of started) {
    if (child.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
let firstOutput = '';

describe('npm start (bin/local.ts)', () => {
  it('starts, prints the URL and an admin key, stops on Ctrl-C, and keeps data and key across restarts', async () => {
    const port = await freePort();
    const first = await start(port);
    firstOutput = first.output();
    expect(first.url).toBe(`http://localhost:${port}`);
    expect(first.adminKey.length).toBeGreaterThanOrEqual(20);
    expect(first.dynamoPort).toBeGreaterThan(0);

    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    const created = await fetch(`${first.url}/api/links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://shop.example/kept', touchpoint: 'restart', stage: 'awareness' }),
    });
    expect(created.status).toBe(201);
    const link = (await created.json()) as { id: string; slug: string; shortUrl: string };
    expect(link.shortUrl).toBe(`${first.url}/${link.slug}`);
    const before = await fetch(link.shortUrl, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    expect(before.status).toBe(302);

    // Ctrl-C in the terminal: SIGINT to the whole foreground process group.
    const pgid = first.child.pid!;
    process.kill(-pgid, 'SIGINT');
    expect(await exited(first.child), 'npm start did not exit on Ctrl-C').toBe(true);
    expect(await waitUntil(() => !groupAlive(pgid)), 'a child process outlived Ctrl-C').toBe(true);
    // A process leaves the process table a moment before the kernel closes its sockets: watch the ports.
    expect(
      await waitUntil(async () => !(await accepts(first.dynamoPort))),
      'DynamoDB Local still listens',
    ).toBe(true);
    expect(await waitUntil(async () => !(await accepts(port))), 'the HTTP server still listens').toBe(true);

    // Restart on the same data directory.
    const second = await start(port);
    expect(second.adminKey).toBe(first.adminKey);
    expect(second.output()).toContain(`${dataDir}/admin-key`);
    const again = await fetch(link.shortUrl, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('https://shop.example/kept');
    const read = await fetch(`${second.url}/api/links/${link.id}`, {
      headers: { authorization: `Bearer ${second.adminKey}` },
    });
    expect(read.status).toBe(200);

    // Killing the server process outright (SIGKILL: no clean-up runs) still stops DynamoDB Local: its
    // watchdog sees the server gone within a second and stops Java. Nothing is left to block the next start.
    const pgid2 = second.child.pid!;
    process.kill(serverPid(pgid2), 'SIGKILL');
    expect(await exited(second.child), 'npm start did not exit when its server was killed').toBe(true);
    expect(await waitUntil(() => !dynamoLocalRunning()), 'DynamoDB Local outlived the killed server').toBe(
      true,
    );
    // A process leaves `ps` (its command line is emptied) a moment before the kernel closes its
    // sockets, so the port is watched until it closes rather than checked once.
    expect(
      await waitUntil(async () => !(await accepts(second.dynamoPort))),
      'DynamoDB Local still listens after the killed server',
    ).toBe(true);
  });

  it('says in its banner where DynamoDB Local keeps the data', () => {
    expect(firstOutput).toMatch(/Admin key:.*\(generated; kept in .*admin-key\)/);
    expect(firstOutput).toContain(`data in ${dataDir}/dynamodb`);
  });
});
