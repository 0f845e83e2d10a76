#!/usr/bin/env node
// `npm test`: type-check, lint, build, then every test runner (vitest: unit + integration;
// Playwright: end-to-end), each run even if an earlier one failed, and one closing line with the
// totals of all runners: "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const results = 'test-results';
mkdirSync(results, { recursive: true });
const vitestJson = `${results}/vitest-results.json`;
const playwrightJson = `${results}/playwright-results.json`;
for (const file of [vitestJson, playwrightJson]) rmSync(file, { force: true });

const failedSteps = [];
function step(name, command, args) {
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const run = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  if (run.status !== 0) failedSteps.push(`${name} (exit ${run.status ?? run.signal})`);
  return run.status === 0;
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
step('type-check (main, shared, tests)', npx, ['tsc', '--noEmit', '-p', 'tsconfig.node.json']);
step('type-check (renderer, shared)', npx, ['tsc', '--noEmit', '-p', 'tsconfig.web.json']);
step('type-check (end-to-end specs)', npx, ['tsc', '--noEmit', '-p', 'tsconfig.e2e.json']);
step('lint', npx, ['eslint', '.', '--max-warnings=0']);
const built = step('build', npx, ['electron-vite', 'build']);
step('unit + integration (vitest)', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${vitestJson}`]);
if (built) step('end-to-end (playwright)', npx, ['playwright', 'test']);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(vitestJson)) {
  const v = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  console.log(`vitest: ${v.numPassedTests} passed, ${v.numFailedTests} failed, ${v.numPendingTests ?? 0} skipped`);
} else {
  failedSteps.push('vitest wrote no results');
}
if (existsSync(playwrightJson)) {
  const p = JSON.parse(readFileSync(playwrightJson, 'utf8'));
  const s = p.stats;
  passed += s.expected + s.flaky;
  failed += s.unexpected;
  skipped += s.skipped;
  console.log(`playwright: ${s.expected + s.flaky} passed, ${s.unexpected} failed, ${s.skipped} skipped`);
  const electronSkips = [];
  const walk = (suite) => {
    for (const spec of suite.specs ?? [])
      for (const t of spec.tests ?? []) if (t.projectName === 'electron' && t.status === 'skipped') electronSkips.push(spec.title);
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of p.suites ?? []) walk(suite);
  if (electronSkips.length) {
    console.log(`playwright: ${electronSkips.length} spec(s) SKIPPED in the 'electron' project: no Electron binary on this machine; they ran in the 'bridge' project.`);
  }
  for (const error of p.errors ?? []) failedSteps.push(`playwright: ${String(error.message ?? error).split('\n')[0]}`);
} else if (built) {
  failedSteps.push('playwright wrote no results');
}

if (failedSteps.length) console.log(`\nFailed steps: ${failedSteps.join('; ')}`);
if (failedSteps.length && failed === 0) failed = failedSteps.length;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || failedSteps.length > 0 ? 1 : 0);
