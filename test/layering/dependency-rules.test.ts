/**
 * The layering rules of .dependency-cruiser.cjs (run on the real tree by `lint:deps` in
 * `npm test`) fail on deliberate violations: a small tree in ./fixture breaks each rule once.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(__dirname, 'fixture');

function cruiseFixture(): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
      '--config',
      join(ROOT, '.dependency-cruiser.cjs'),
      '--output-type',
      'err',
      'packages',
      'services',
      'scripts',
    ],
    { cwd: FIXTURE, encoding: 'utf8', timeout: 60_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the layering rules', () => {
  const { status, output } = cruiseFixture();

  it('fail the check', () => {
    expect(status).not.toBe(0);
  });

  it.each([
    ['packages-never-import-services', 'packages/budgets/src/plan.ts → services/hub/src/handler.ts'],
    ['services-never-import-each-other', 'services/spoke/src/apply.ts → services/hub/src/handler.ts'],
    [
      'the-emulator-imports-nothing-of-org-budgets',
      'packages/aws-emulator/src/door.ts → packages/contracts/src/index.ts',
    ],
    ['no-circular', 'packages/guardian/src/'],
    ['no-deep-imports-across-workspaces', 'scripts/demo.ts → packages/budgets/src/plan.ts'],
  ])('catch %s (%s)', (rule, edge) => {
    expect(output).toContain(`${rule}: ${edge}`);
  });
});
