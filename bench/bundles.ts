import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import {
  ESBUILD_TARGET,
  ESM_REQUIRE_BANNER,
  LAMBDA_NODE_OPTIONS,
} from '../lib/constructs/touchpoint-function';
import { median, progress } from './lib';

/**
 * Figure 3: bundle size and module initialisation time of the redirect and api handlers, built the way
 * the CDK stack builds them (esbuild: bundle, node, ESM, minified, the stack's target, module-first main
 * fields, the createRequire banner; source maps are written next to the bundle and not counted in its
 * size), against a minimal handler that only creates the DynamoDB document client, built the same way.
 * Init time = the `await import()` of the bundle in a fresh node process with the stack's NODE_OPTIONS
 * (`--enable-source-maps`: the map is parsed at load, as on Lambda), median of interleaved spawns.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = join(ROOT, 'bench', '.out', 'bundles');

export interface BundleFigure {
  name: string;
  entry: string;
  bytes: number;
  gzipBytes: number;
  initMs: number;
  initSamples: number[];
  /** Largest contributors to the bundle, by package (bytes in the output). */
  top: Array<{ name: string; bytes: number }>;
}

export interface BundlesResult {
  reference: BundleFigure;
  handlers: BundleFigure[];
  spawns: number;
}

/** Powertools replaced by stand-ins (bench/fixtures/no-powertools): what Logger and Metrics cost. */
const WITHOUT_POWERTOOLS = {
  '@aws-lambda-powertools/logger': join(ROOT, 'bench/fixtures/no-powertools/logger.ts'),
  '@aws-lambda-powertools/metrics': join(ROOT, 'bench/fixtures/no-powertools/metrics.ts'),
};

const ENTRIES: Array<{ name: string; entry: string; alias?: Record<string, string> }> = [
  { name: 'minimal (doc client only)', entry: 'bench/fixtures/minimal-handler.ts' },
  // The production redirect: the streaming function URL behind CloudFront.
  { name: 'redirect (function URL)', entry: 'functions/handlers/redirect-url.ts' },
  {
    name: 'redirect-without-powertools (function URL)',
    entry: 'functions/handlers/redirect-url.ts',
    alias: WITHOUT_POWERTOOLS,
  },
  { name: 'redirect (HTTP API)', entry: 'functions/handlers/redirect.ts' },
  { name: 'api', entry: 'functions/handlers/api.ts' },
];

function packageOf(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (m) return m[1]!;
  return path.startsWith('functions/') ? `functions/${path.split('/')[1]}` : path;
}

function topContributors(metafile: Metafile): Array<{ name: string; bytes: number }> {
  const sums = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      sums.set(name, (sums.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...sums]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8);
}

async function bundle(
  entry: string,
  name: string,
  alias?: Record<string, string>,
): Promise<{ file: string; metafile: Metafile }> {
  const file = join(OUT_DIR, name.replace(/[^a-z-]+/gi, '_'), 'index.mjs');
  mkdirSync(dirname(file), { recursive: true });
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    target: ESBUILD_TARGET,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    alias,
    logLevel: 'silent',
  });
  return { file, metafile: result.metafile };
}

const INIT_SCRIPT =
  'const t = process.hrtime.bigint(); await import(process.argv[1]); ' +
  'process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));';

/** Time of `await import(bundle)` in a fresh node process, with a Lambda-like environment. */
function initOnce(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', INIT_SCRIPT, pathToFileURL(file).href],
      {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'bench',
          AWS_SECRET_ACCESS_KEY: 'bench',
          TABLE_NAME: 'touchpoint',
          TOUCHPOINT_BASE_URL: 'https://tp.example',
          NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
          // Lambda runs a newer Node (NODE_RUNTIME); this machine's Node 20 makes the SDK print a support warning.
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(out);
      if (code !== 0 || !Number.isFinite(ms)) reject(new Error(`init of ${file} failed (${code}): ${err}`));
      else resolve(ms);
    });
  });
}

export async function benchBundles(spawns = 11): Promise<BundlesResult> {
  const built = [];
  for (const e of ENTRIES) {
    const { file, metafile } = await bundle(e.entry, e.name, e.alias);
    const bytes = statSync(file).size;
    built.push({
      ...e,
      file,
      bytes,
      gzipBytes: gzipSync(readFileSync(file)).length,
      top: topContributors(metafile),
      samples: [] as number[],
    });
    progress(`  built ${e.name}: ${bytes} bytes (${relative(ROOT, file)})`);
  }
  // One discarded spawn each (file-system cache), then interleaved rounds.
  for (const b of built) await initOnce(b.file);
  for (let i = 0; i < spawns; i++) {
    for (const b of built) b.samples.push(await initOnce(b.file));
  }
  const figures: BundleFigure[] = built.map((b) => ({
    name: b.name,
    entry: b.entry,
    bytes: b.bytes,
    gzipBytes: b.gzipBytes,
    initMs: median(b.samples),
    initSamples: b.samples,
    top: b.top,
  }));
  const [reference, ...handlers] = figures;
  if (!reference) throw new Error('no reference bundle');
  return { reference, handlers, spawns };
}
