import { createHash } from 'node:crypto';
import {
  INJECTED_ACCOUNT_NAME,
  INJECTED_BUDGET_NAME,
  reportFixtureDirectory,
  reportFixtureEntries,
} from '../testing/report-fixtures';
import { checkedForInlining } from './chart-library-check';
import { buildReportModel } from './report-model';
import { chartSpecs, escapeHtml, jsonForScript, renderReportPage } from './report-page';

const FAKE_LIBRARY = 'window.Chart = function () {};';
const model = buildReportModel({
  entries: reportFixtureEntries(),
  directory: reportFixtureDirectory(),
  tableName: 'org-budgets-test',
  generatedAt: new Date('2026-12-03T10:00:00.000Z'),
});
const page = renderReportPage(model, FAKE_LIBRARY);

describe('escapeHtml and jsonForScript', () => {
  it('escapes every character that could end a text or an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).toBe(
      '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#96;',
    );
  });

  it('writes JSON that no text can close a script element in, and that reads back the same', () => {
    const value = { name: '</script><!-- & \u2028 \u2029 >' };

    const json = jsonForScript(value);

    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('renderReportPage', () => {
  it('never writes the names and messages of the table as markup', () => {
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<script>window.__injected');
    expect(page).not.toContain('</script><script>window');
    expect(page).toContain(escapeHtml(INJECTED_ACCOUNT_NAME));
    expect(page).toContain(escapeHtml(INJECTED_BUDGET_NAME));
  });

  it('has exactly its own three scripts: the data, the library, the drawing', () => {
    expect(page.match(/<script/g)).toHaveLength(3);
    expect(page.match(/<\/script>/g)).toHaveLength(3);
  });

  it('allows only its own script and style by hash, and no request at all', () => {
    const csp = (/http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(page)?.[1] ?? '').replaceAll(
      '&#39;',
      "'",
    );
    const libraryHash = createHash('sha256').update(FAKE_LIBRARY).digest('base64');

    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`'sha256-${libraryHash}'`);
    expect(csp).not.toContain('unsafe-inline');
    expect(page).not.toMatch(/<[^>]*\s(src|href)=/);
  });

  it('carries every chart as data, with a canvas for each', () => {
    const specs = chartSpecs(model);
    const data = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(page)?.[1] ?? '';

    expect(specs.map((s) => s.id)).toEqual([
      'chart-accounts-0',
      'chart-accounts-1',
      'chart-ous-0',
      'chart-ous-1',
      'chart-states',
      'chart-statuses',
      'chart-lockdowns',
      'chart-guardian',
    ]);
    expect((JSON.parse(data) as { charts: unknown }).charts).toEqual(specs);
    for (const spec of specs) expect(page).toContain(`<canvas id="${spec.id}"`);
  });

  it('lists REJECTED and FAILED items with their messages', () => {
    expect(page).toContain('could not reach account 333333333333: AccessDenied');
    expect(page).toContain(escapeHtml('emails has "<script>window.__injected=3</script>"'));
  });
});

describe('checkedForInlining', () => {
  it('refuses a library that would end its script element', () => {
    expect(() => checkedForInlining('var a = "</SCRIPT>";')).toThrow('cannot be inlined');
    expect(() => checkedForInlining('var a = "<!--";')).toThrow('cannot be inlined');
    expect(checkedForInlining('var a = 1;')).toBe('var a = 1;');
  });
});
