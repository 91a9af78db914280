// Adds the test counts of every workspace's vitest JSON report into one closing line,
// "N passed, N failed, N skipped", and fails when no test ran at all.
import { readFileSync, existsSync } from 'node:fs';
import process from 'node:process';

const reports = process.argv.slice(2).filter((path) => existsSync(path));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const path of reports) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
console.log(`\n${reports.length} test reports`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0 || failed > 0) process.exitCode = 1;
