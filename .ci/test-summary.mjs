// Reads every workspace's vitest JSON report: prints one line per workspace with its wall time
// (from the report's startTime to the last test file's endTime) and counts, then the totals
// "N passed, N failed, N skipped". Fails when a report is missing or unreadable (its workspace's
// tests did not run to the end), when a test or a test file failed, or when no test ran at all.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';

/** The package name of the workspace the report sits in, else its folder. */
function workspaceName(reportPath) {
  const manifest = join(dirname(reportPath), 'package.json');
  try {
    return JSON.parse(readFileSync(manifest, 'utf8')).name ?? dirname(reportPath);
  } catch {
    return dirname(reportPath);
  }
}

/** Milliseconds from the run's start to the end of its last test file. */
function wallTimeMs(report) {
  const ends = (report.testResults ?? []).map((file) => file.endTime).filter(Number.isFinite);
  if (!Number.isFinite(report.startTime) || ends.length === 0) return undefined;
  return Math.max(...ends) - report.startTime;
}

function seconds(ms) {
  return ms === undefined ? '? s' : `${Math.round(ms / 1000)} s`;
}

const paths = process.argv.slice(2);
const problems = [];
let passed = 0;
let failed = 0;
let skipped = 0;
let read = 0;
for (const path of paths) {
  const name = workspaceName(path);
  if (!existsSync(path)) {
    problems.push(`missing test report ${path} (${name}): its tests did not run to the end`);
    continue;
  }
  let report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`unreadable test report ${path} (${name}): ${error.message}`);
    continue;
  }
  read += 1;
  const skippedHere = report.numPendingTests + (report.numTodoTests ?? 0);
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += skippedHere;
  if (report.numFailedTestSuites > 0 || report.success === false) {
    problems.push(`${name}: ${report.numFailedTestSuites} suite(s) failed (${path})`);
  }
  console.log(
    `==> tests: ${name} ${seconds(wallTimeMs(report))} ` +
      `(${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skippedHere} skipped)`,
  );
}
console.log(`\n${read} of ${paths.length} test reports`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
for (const problem of problems) console.error(`FAILED: ${problem}`);
if (paths.length === 0) console.error('FAILED: no test report paths given');
if (problems.length > 0 || paths.length === 0 || passed === 0 || failed > 0) process.exitCode = 1;
