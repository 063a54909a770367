/**
 * Profiling experiment for figure 3 (not part of `npm run bench`): what the api bundle would weigh and how
 * fast it would initialise with a further change, applied to a copy of `functions/` under
 * bench/.out/variant (the real tree is not touched). Run: npx tsx bench/experiments/api-bundle.ts
 *
 * Already applied in functions/ (commit "Smaller api bundle"): zod imported as a namespace (which drops
 * its 47 locales), qrcode's core only, OpenAPI request bodies written out instead of zod's toJSONSchema.
 * This script measures, against the current code:
 *  D. the OpenAPI document read from a JSON file shipped next to the bundle (generated at build time)
 *     instead of being assembled by functions/shared/openapi.ts inside the Lambda.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { median } from '../lib';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, 'bench', '.out', 'variant');
const BANNER =
  "import { createRequire as __tpCreateRequire } from 'node:module'; const require = __tpCreateRequire(import.meta.url);";

function edit(path: string, from: string, to: string): void {
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${path} no longer contains: ${from}`);
  writeFileSync(path, text.replace(from, to));
}

async function bundle(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: BANNER },
    logLevel: 'silent',
  });
  return statSync(outfile).size;
}

const variants: Array<{ name: string; file: string; bytes: number }> = [];
const reference = join(OUT, 'minimal.mjs');
variants.push({
  name: 'minimal (reference)',
  file: reference,
  bytes: await bundle(join(ROOT, 'bench/fixtures/minimal-handler.ts'), reference),
});
const today = join(OUT, 'api-today.mjs');
variants.push({
  name: 'api today',
  file: today,
  bytes: await bundle(join(ROOT, 'functions/handlers/api.ts'), today),
});

const src = join(OUT, 'src');
rmSync(src, { recursive: true, force: true });
cpSync(join(ROOT, 'functions'), join(src, 'functions'), { recursive: true });
edit(
  join(src, 'functions/api/actions/system.ts'),
  "import { openApiDocument } from '../../shared/openapi';",
  "import { readFileSync } from 'node:fs';\nlet doc: unknown;\nconst openApiDocument = () => (doc ??= JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8')));",
);
const d = join(OUT, 'api-D.mjs');
variants.push({
  name: 'D: OpenAPI JSON built at deploy time',
  file: d,
  bytes: await bundle(join(src, 'functions/handlers/api.ts'), d),
});
rmSync(src, { recursive: true, force: true });

const INIT =
  'const t = process.hrtime.bigint(); await import(process.argv[1]); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));';
const samples = variants.map(() => [] as number[]);
for (let round = 0; round < 16; round++) {
  variants.forEach((v, i) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', INIT, pathToFileURL(v.file).href], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'eu-west-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`${v.name}: ${r.stderr}`);
    if (round > 0) samples[i]!.push(Number(r.stdout));
  });
}
const ref = variants[0]!;
const refInit = median(samples[0]!);
console.log('| bundle | size | × reference | init (median of 15) | × reference |');
console.log('| --- | --- | --- | --- | --- |');
variants.forEach((v, i) => {
  const init = median(samples[i]!);
  console.log(
    `| ${v.name} | ${(v.bytes / 1024).toFixed(1)} KiB | ${(v.bytes / ref.bytes).toFixed(2)}× | ${init.toFixed(1)} ms | ${(init / refInit).toFixed(2)}× |`,
  );
});
