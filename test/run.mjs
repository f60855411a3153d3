#!/usr/bin/env node
// Runs every vitest suite and ends with one plain summary line, `N passed, N failed, N skipped`, that sums them.
// A whole run first checks what the suites need (test/preflight.mjs) and stops at once, with one message naming
// what is missing and the command that installs it, rather than failing dozens of tests for one absent tool.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMissing, missingPrerequisites } from './preflight.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
process.chdir(root);
// Given files or filters, the run is a part the developer chose: it needs what those suites need, no more.
const whole = process.argv.slice(2).every((a) => a.startsWith('-'));
const missing = whole ? missingPrerequisites(root) : [];
if (missing.length > 0) {
  console.log(describeMissing(missing));
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

mkdirSync('test/artifacts', { recursive: true });
const report = 'test/artifacts/vitest.json';
rmSync(report, { force: true });
const args = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const run = spawnSync('npx', args, { stdio: 'inherit' });
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  // A file that failed without a failed test (an import or setup error) counts once; describe blocks do not.
  const brokenFiles = r.testResults.filter(
    (f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'),
  ).length;
  failed = r.numFailedTests + brokenFiles;
  skipped = r.numPendingTests + r.numTodoTests;
} catch {
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
