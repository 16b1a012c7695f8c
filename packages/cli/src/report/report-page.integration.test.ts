/**
 * The report page in a real browser: Debian's Chromium (apt-get install -y chromium; npm test
 * installs it through scripts/with-tools.sh), driven by playwright-core, with the page opened
 * from its file. A fixed model with something of everything keeps this quick and exact; the
 * e2e test (test/e2e/report.test.ts) writes the page from the local cloud with `report`.
 * The screenshot is kept at artifacts/report.png (git-ignored), for CI to keep.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkReportInBrowser, type ReportPageCheck } from '../testing/report-browser';
import {
  reportFixtureDirectory,
  reportFixtureEntries,
  INJECTED_ACCOUNT_NAME,
  INJECTED_BUDGET_NAME,
} from '../testing/report-fixtures';
import { chartLibrarySource } from './chart-library';
import { buildReportModel } from './report-model';
import { renderReportPage } from './report-page';

jest.setTimeout(180_000);

const SCREENSHOT = resolve(__dirname, '..', '..', '..', '..', 'artifacts', 'report.png');
let dir: string;
let check: ReportPageCheck;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'org-budgets-report-'));
  const model = buildReportModel({
    entries: reportFixtureEntries(),
    directory: reportFixtureDirectory(),
    tableName: 'org-budgets-test',
    generatedAt: new Date('2026-12-03T10:00:00.000Z'),
  });
  const file = join(dir, 'report.html');
  writeFileSync(file, renderReportPage(model, chartLibrarySource()));
  check = await checkReportInBrowser(file, { screenshot: SCREENSHOT });
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the report page in Chromium', () => {
  it('renders without a console error, a page error or a failed request', () => {
    expect(check.consoleErrors).toEqual([]);
    expect(check.pageErrors).toEqual([]);
    expect(check.failedRequests).toEqual([]);
  });

  it('makes no request at all beyond its own file', () => {
    expect(check.requests).toEqual([]);
  });

  it('draws every chart, with its data, on a canvas that has pixels', () => {
    expect(check.chartsDrawn).toBe(8);
    expect(check.charts.map((c) => [c.id, c.type])).toEqual([
      ['chart-accounts-0', 'bar'],
      ['chart-accounts-1', 'bar'],
      ['chart-ous-0', 'bar'],
      ['chart-ous-1', 'bar'],
      ['chart-states', 'doughnut'],
      ['chart-statuses', 'doughnut'],
      ['chart-lockdowns', 'doughnut'],
      ['chart-guardian', 'bar'],
    ]);
    for (const chart of check.charts) {
      expect(chart.width).toBeGreaterThan(100);
      expect(chart.height).toBeGreaterThan(100);
      expect(chart.paintedPixels).toBeGreaterThan(1000);
      expect(chart.datasets.flatMap((d) => d.data).some((v) => v !== null && v > 0)).toBe(true);
    }
  });

  it('charts budget, actual and forecast per budget of an account', () => {
    const usd = check.charts.find((c) => c.id === 'chart-accounts-1');

    expect(usd?.datasets.map((d) => d.label)).toEqual(['budget', 'actual', 'forecast']);
    const row = usd?.labels.indexOf('shop-prod · experiments') ?? -1;
    expect(usd?.datasets.map((d) => d.data[row])).toEqual([300, 330, 400]);
  });

  it('charts the states of the budgets', () => {
    const states = check.charts.find((c) => c.id === 'chart-states');

    expect(states?.labels).toEqual(['Unknown', 'Unused', 'Under', 'On target', 'Over', 'Critical', 'Shutdown']);
    expect(states?.datasets[0]?.data).toEqual([4, 1, 2, 1, 1, 1, 1]);
  });

  it('shows the REJECTED and FAILED items, lockdowns and estimates as text', () => {
    expect(check.text).toContain('could not reach account 333333333333: AccessDenied');
    expect(check.text).toContain('denied ec2:RunInstances in account 111111111111 (state Critical)');
    expect(check.text).toContain('1,150 USD (115%)');
  });

  it('shows injected markup as text and never runs it', () => {
    expect(check.injected).toBeUndefined();
    expect(check.dialogs).toEqual([]);
    expect(check.text).toContain(INJECTED_ACCOUNT_NAME);
    expect(check.text).toContain(INJECTED_BUDGET_NAME);
    expect(check.text).toContain('emails has "<script>window.__injected=3</script>"');
  });
});
