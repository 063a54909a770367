#!/usr/bin/env node
// `npm test`: runs every test tier with vitest and ends with the line CI reads: "N passed, N failed".
// Arguments go to vitest: `npm run test:unit` is this script with `--project unit` (vitest.config.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const report = '.test-results.json';
rmSync(report, { force: true });
const args = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const run = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } });

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  passed = results.numPassedTests ?? 0;
  // A file that failed without a failed test of its own (it did not load, or a beforeAll threw and its
  // tests were skipped): count it as one failure, so the line never says 0 failed for a red run.
  const brokenFiles = (results.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  failed = (results.numFailedTests ?? 0) + brokenFiles;
  if (results.numTotalTests === 0) failed += 1; // a run that ran nothing is a failure
} else {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
