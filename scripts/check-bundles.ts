/**
 * pnpm check:bundles — fails when a function's bundle outgrows its budget
 * (scripts/bundle-budgets.json): the bytes of its handler's JavaScript and of its zipped
 * artifact, as `serverless package` leaves them in services/<service>/.serverless. A function
 * without a budget fails too, and so does a bundle holding classic zod or zod without its English
 * locale (read from the handler's source map: zodProblems). docs/bundles.md says what the budgets
 * are and how to raise one.
 *
 *   pnpm check:bundles                 packages hub and spoke first (scripts/compose-package.sh)
 *   pnpm check:bundles --no-package    reads the artifacts as they are (in `npm test`, right
 *                                      after check:templates has packaged both services)
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  budgetViolations,
  formatBytes,
  readArtifact,
  readBudgets,
  readPackagedFunctions,
  REPO_ROOT,
  type MeasuredBundle,
  zodProblems,
} from '../bench/bundles';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { 'no-package': { type: 'boolean', default: false } },
});

async function main(): Promise<void> {
  if (!values['no-package']) {
    process.stdout.write('== serverless-compose package (hub, spoke)\n');
    const result = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'compose-package.sh'), 'ci'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`packaging failed (exit ${String(result.status ?? result.signal)})`);
  }
  const budgets = await readBudgets();
  const functions = await readPackagedFunctions();
  const measured: MeasuredBundle[] = [];
  const zodViolations: string[] = [];
  process.stdout.write('== bundle budgets (scripts/bundle-budgets.json)\n');
  for (const fn of functions) {
    const zip = await readFile(fn.artifact);
    const { sizes, sources } = readArtifact(zip, fn.handler);
    if (sources === undefined) zodViolations.push(`${fn.id}: the artifact has no source map, so its zod is unchecked`);
    else zodViolations.push(...zodProblems(sources).map((problem) => `${fn.id} ${problem}`));
    measured.push({ id: fn.id, handlerBytes: sizes.handlerBytes, zipBytes: sizes.zipBytes });
    const budget = budgets[fn.id];
    const of = (bytes: number, limit: number | undefined) =>
      `${formatBytes(bytes)}${limit === undefined ? '' : ` of ${formatBytes(limit)} (${Math.round((100 * bytes) / limit)}%)`}`;
    process.stdout.write(
      `${fn.id.padEnd(28)} ${sizes.handlerFile}: ${of(sizes.handlerBytes, budget?.handlerBytes)}; ` +
        `${relative(REPO_ROOT, fn.artifact)}: ${of(sizes.zipBytes, budget?.zipBytes)}\n`,
    );
  }
  const violations = [...budgetViolations(measured, budgets), ...zodViolations];
  if (violations.length > 0) {
    for (const violation of violations) process.stderr.write(`check:bundles: ${violation}\n`);
    process.stderr.write('check:bundles: see docs/bundles.md for what grows a bundle and how to raise a budget\n');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    `check:bundles: ${measured.length} bundles within their budgets, each with zod/mini and only its English locale\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`check:bundles FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
