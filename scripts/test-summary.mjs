// Adds up the JSON reports of every Vitest and Playwright run into one closing line
// ("N passed, N failed"), so a reader (or CI) sees the whole suite's outcome at a glance.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'test-results';
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];

for (const name of readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const counts = countOf(name, JSON.parse(readFileSync(join(dir, name), 'utf8')));
  if (!counts) continue;
  const [p, f, s] = counts;
  rows.push(`${name.replace(/\.json$/, '').padEnd(24)} ${p} passed, ${f} failed, ${s} skipped`);
  passed += p;
  failed += f;
  skipped += s;
}

/** [passed, failed, skipped] of one runner's JSON report, or null for other files. */
function countOf(name, report) {
  if (name.startsWith('vitest-')) {
    return [
      report.numPassedTests ?? 0,
      (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0),
      (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    ];
  }
  if (name === 'playwright.json') {
    const stats = report.stats ?? {};
    return [stats.expected ?? 0, (stats.unexpected ?? 0) + (stats.flaky ?? 0), stats.skipped ?? 0];
  }
  return null;
}

console.log('\n==> summary');
for (const row of rows) console.log('  ' + row);
if (passed === 0) {
  console.log('no test ran');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
