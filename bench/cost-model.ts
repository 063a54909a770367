/**
 * `npx tsx bench/cost-model.ts [results.json]`: the monthly AWS bill of docs/cost.md, from the write and
 * read units per click that figure 6 measured (default bench/results/latest.json). Prices and the
 * assumptions that were not measured are the constants below; docs/cost.md explains each one.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WriteCostLevel } from './write-cost';

/** List prices, us-east-1, on-demand, USD (see docs/cost.md for the date and sources). */
export const PRICES = {
  dynamoWritePerMillion: 0.625,
  dynamoReadPerMillion: 0.125,
  dynamoStoragePerGbMonth: 0.25,
  pitrPerGbMonth: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  cloudFrontPerMillionHttpsRequests: 1.0,
  cloudFrontPerGbOut: 0.085,
  wafPerWebAclMonth: 5,
  wafPerRuleMonth: 1,
  wafPerMillionRequests: 0.6,
  logsPerGbIngested: 0.5,
};

/** What was not measured by the bench: assumptions, stated in docs/cost.md. */
export const ASSUMPTIONS = {
  lambdaMemoryGb: 1, // lib/touchpoint-stack.ts: 1024 MB for every function
  redirectMs: 20, // GetItem from memory cache + one PutItem in-region, warm
  aggregateMs: 100, // a few DynamoDB round trips per invocation
  scheduledRunsPerMonth: 43_200, // rate(1 minute)
  responseKb: 0.6, // a 302 with Location, Set-Cookie and headers
  storedClickKb: 0.45, // measured click item (~0.35 KB) + DynamoDB's ~100 bytes per item
  retentionDays: 395, // CLICK_RETENTION_DAYS default
  logKbPerClick: 1, // Lambda platform lines + one structured line per redirect
  wafRules: 3,
};

export interface MonthlyCost {
  clicksPerMonth: number;
  level: number;
  writeUnitsPerClick: number;
  lines: Record<string, number>;
  total: number;
}

/** The traffic level whose figures a month of this many clicks is costed at (see docs/cost.md). */
function levelFor(levels: WriteCostLevel[], clicksPerMonth: number): WriteCostLevel {
  const average = clicksPerMonth / (30.4 * 86_400);
  // The measured level just below the average rate (traffic is bursty; lower rates cost more per click
  // while batches are short), or the lowest level.
  const sorted = [...levels].sort((a, b) => a.clicksPerSecond - b.clicksPerSecond);
  return sorted.filter((l) => l.clicksPerSecond <= average).at(-1) ?? sorted[0]!;
}

export function monthlyCost(levels: WriteCostLevel[], clicksPerMonth: number): MonthlyCost {
  const p = PRICES;
  const a = ASSUMPTIONS;
  const level = levelFor(levels, clicksPerMonth);
  const c = clicksPerMonth;
  const million = 1e6;
  const batchesPerClick = level.streamBatches / level.clicks;
  const aggregateInvocations = c * batchesPerClick + a.scheduledRunsPerMonth;
  const storedGb = (c * (a.retentionDays / 30.4) * a.storedClickKb) / 2 ** 20;
  const lines = {
    'DynamoDB writes': ((c * level.writeUnitsPerClick.total) / million) * p.dynamoWritePerMillion,
    'DynamoDB reads': ((c * level.readUnitsPerClick.total) / million) * p.dynamoReadPerMillion,
    'DynamoDB storage (raw clicks)': storedGb * p.dynamoStoragePerGbMonth,
    'DynamoDB PITR': storedGb * p.pitrPerGbMonth,
    'Lambda redirect':
      (c / million) * p.lambdaPerMillionRequests +
      c * a.lambdaMemoryGb * (a.redirectMs / 1000) * p.lambdaArmPerGbSecond,
    'Lambda aggregate':
      (aggregateInvocations / million) * p.lambdaPerMillionRequests +
      aggregateInvocations * a.lambdaMemoryGb * (a.aggregateMs / 1000) * p.lambdaArmPerGbSecond,
    CloudFront:
      (c / million) * p.cloudFrontPerMillionHttpsRequests +
      ((c * a.responseKb) / 2 ** 20) * p.cloudFrontPerGbOut,
    WAF: p.wafPerWebAclMonth + a.wafRules * p.wafPerRuleMonth + (c / million) * p.wafPerMillionRequests,
    'CloudWatch Logs': ((c * a.logKbPerClick) / 2 ** 20) * p.logsPerGbIngested,
  };
  const total = Object.values(lines).reduce((s, x) => s + x, 0);
  return {
    clicksPerMonth: c,
    level: level.clicksPerSecond,
    writeUnitsPerClick: level.writeUnitsPerClick.total,
    lines,
    total,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));
  const results = JSON.parse(readFileSync(file, 'utf8'));
  const levels: WriteCostLevel[] = results.figures.writeCost.levels;
  const costs = [1e5, 1e6, 1e7, 1e8].map((c) => monthlyCost(levels, c));
  const money = (x: number) => (x < 10 ? `$${x.toFixed(2)}` : `$${x.toFixed(0)}`);
  const header = ['clicks/month', ...costs.map((x) => x.clicksPerMonth.toLocaleString('en-US'))];
  const rows = [
    ['costed at level (clicks/s)', ...costs.map((x) => String(x.level))],
    ['write units/click', ...costs.map((x) => x.writeUnitsPerClick.toFixed(2))],
    ...Object.keys(costs[0]!.lines).map((k) => [k, ...costs.map((x) => money(x.lines[k]!))]),
    ['total', ...costs.map((x) => money(x.total))],
  ];
  console.log(`From ${file} (run ${results.startedAt}, commit ${results.commit})\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}
