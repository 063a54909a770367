#!/usr/bin/env node
// One mechanical rewrite (issue 19): relative imports that climb out of their folder into
// functions/<concept>/ become the package.json "imports" alias of that concept (`../../shared/http` →
// `#shared/http`), so an import line shows the layer it reaches. Imports within a folder (`./model`)
// stay relative. Idempotent: run it again after merging branches that added relative imports.
// Usage: node scripts/alias-imports.mjs [--check]   (--check lists what it would change, exit 1 if any)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const concepts = Object.keys(pkg.imports ?? {})
  .filter((k) => k.startsWith('#') && k.endsWith('/*'))
  .map((k) => k.slice(1, -2));
if (concepts.length === 0) throw new Error('package.json has no "imports" aliases of the form #concept/*');

const files = execFileSync('git', ['ls-files', '*.ts', '*.mts'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && !f.startsWith('functions/dashboard/public/'));

const check = process.argv.includes('--check');
const specifier = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.\/[^'"]+)\2/g;
let changed = 0;
for (const file of files) {
  const path = join(root, file);
  const source = readFileSync(path, 'utf8');
  const rewritten = source.replace(specifier, (whole, lead, quote, spec) => {
    const target = relative(join(root, 'functions'), resolve(dirname(path), spec));
    const [concept, ...rest] = target.split('/');
    if (target.startsWith('..') || !concepts.includes(concept) || rest.length === 0) return whole;
    return `${lead}${quote}#${concept}/${rest.join('/')}${quote}`;
  });
  if (rewritten !== source) {
    changed++;
    if (check) console.log(file);
    else writeFileSync(path, rewritten);
  }
}
console.log(`${changed} file(s) ${check ? 'would change' : 'changed'}`);
if (check && changed > 0) process.exit(1);
