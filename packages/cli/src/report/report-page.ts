import { createHash } from 'node:crypto';
import type { Count, ReportModel, SpendChart } from './report-model';

/**
 * The report as one HTML page that needs nothing but itself: the chart library and the data are
 * inside it (docs/cli.md, "report"). Everything that comes from the table or the organization
 * (budget and account names, messages) is text: escaped in the HTML, and in the data's JSON
 * (read with JSON.parse, drawn on canvases). A Content-Security-Policy allows only the page's own
 * script and style (by hash) and no request of any kind, as a second line of defence.
 */

/** A chart as the page's script hands it to Chart.js. */
export interface ChartSpec {
  id: string;
  type: 'bar' | 'doughnut';
  labels: string[];
  datasets: { label: string; data: (number | null)[]; backgroundColor: string | string[] }[];
  /** Bars drawn sideways (one row per label). */
  horizontal?: boolean;
  /** The value axis' title. */
  axisTitle?: string;
  /** Height of the chart in pixels. */
  height: number;
}

const COLORS = {
  budget: '#b0b7c3',
  actual: '#2f6fdf',
  forecast: '#f2a93b',
  estimate: '#8e44ad',
};

/** Colors of the states, from calm to alarming. */
export const STATE_COLORS: Record<string, string> = {
  Unknown: '#c9ced6',
  Unused: '#9fb3c8',
  Under: '#3aa76d',
  'On target': '#2f6fdf',
  Over: '#f2a93b',
  Critical: '#e4572e',
  Shutdown: '#8b1e3f',
};
const STATUS_COLORS: Record<string, string> = {
  APPLIED: '#3aa76d',
  DELIVERED: '#2f6fdf',
  PENDING: '#9fb3c8',
  REJECTED: '#e4572e',
  FAILED: '#8b1e3f',
  none: '#c9ced6',
};
const LOCKDOWN_COLORS: Record<string, string> = {
  LOCKED: '#8b1e3f',
  WOULD_LOCK: '#f2a93b',
  LIFTED: '#3aa76d',
  WOULD_LIFT: '#9fb3c8',
  FAILED: '#e4572e',
};
const OTHER_COLOR = '#6c757d';

/** HTML text or attribute value: every character that could end one escaped. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON to put inside a <script> element: `<`, `>`, `&` and the JavaScript line separators as
 * \u escapes, so that no text in it can close the element or open a comment.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const NUMBER = new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
const money = (value: number | undefined, currency: string): string =>
  value === undefined ? '—' : `${NUMBER.format(value)} ${currency}`;
const percent = (value: number | undefined): string => (value === undefined ? '—' : `${NUMBER.format(value)}%`);
const time = (iso: string | undefined): string => {
  if (!iso) return '—';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
};

const ROW_HEIGHT = 26;
const spendHeight = (rows: number): number => 90 + rows * ROW_HEIGHT * 1.6;

function spendChartSpec(id: string, chart: SpendChart): ChartSpec {
  return {
    id,
    type: 'bar',
    horizontal: true,
    axisTitle: chart.currency,
    height: spendHeight(chart.rows.length),
    labels: chart.rows.map((r) =>
      r.budgets === undefined ? r.label : `${r.label} (${r.budgets} budgets, ${r.reporting ?? 0} reporting)`,
    ),
    datasets: [
      { label: 'budget', data: chart.rows.map((r) => r.budget), backgroundColor: COLORS.budget },
      { label: 'actual', data: chart.rows.map((r) => r.actual), backgroundColor: COLORS.actual },
      { label: 'forecast', data: chart.rows.map((r) => r.forecast), backgroundColor: COLORS.forecast },
    ],
  };
}

function doughnutSpec(id: string, label: string, counts: Count[], colors: Record<string, string>): ChartSpec {
  return {
    id,
    type: 'doughnut',
    height: 260,
    labels: counts.map((c) => c.name),
    datasets: [
      { label, data: counts.map((c) => c.count), backgroundColor: counts.map((c) => colors[c.name] ?? OTHER_COLOR) },
    ],
  };
}

/** Every chart of the page, in order (ids are the canvases'). */
export function chartSpecs(model: ReportModel): ChartSpec[] {
  const specs: ChartSpec[] = [];
  model.accountCharts.forEach((chart, i) => specs.push(spendChartSpec(`chart-accounts-${i}`, chart)));
  model.ouCharts.forEach((chart, i) => specs.push(spendChartSpec(`chart-ous-${i}`, chart)));
  if (model.states.length > 0) specs.push(doughnutSpec('chart-states', 'budgets', model.states, STATE_COLORS));
  if (model.statuses.length > 0) specs.push(doughnutSpec('chart-statuses', 'items', model.statuses, STATUS_COLORS));
  if (model.lockdownCounts.length > 0) {
    specs.push(doughnutSpec('chart-lockdowns', 'budgets', model.lockdownCounts, LOCKDOWN_COLORS));
  }
  if (model.guardian.length > 0) {
    specs.push({
      id: 'chart-guardian',
      type: 'bar',
      horizontal: true,
      axisTitle: '% of the amount',
      height: spendHeight(model.guardian.length),
      labels: model.guardian.map((g) => `${g.account} · ${g.budgetName}`),
      datasets: [
        {
          label: "AWS Budgets' actual",
          data: model.guardian.map((g) => g.actualPercent ?? null),
          backgroundColor: COLORS.actual,
        },
        {
          label: "guardian's estimate",
          data: model.guardian.map((g) => g.estimatePercent ?? null),
          backgroundColor: COLORS.estimate,
        },
      ],
    });
  }
  return specs;
}

/** Draws every chart of the data (runs in the page). */
const BOOT_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var drawn = 0;
  data.charts.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) { console.error('report: no canvas for ' + spec.id); return; }
    canvas.parentElement.style.height = spec.height + 'px';
    var valueAxis = { beginAtZero: true, title: { display: !!spec.axisTitle, text: spec.axisTitle || '' } };
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? 'y' : 'x',
        plugins: { legend: { position: spec.type === 'doughnut' ? 'right' : 'top' } },
        scales: spec.type === 'bar' ? (spec.horizontal ? { x: valueAxis } : { y: valueAxis }) : {}
      }
    });
    drawn += 1;
  });
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();`;

const STYLE = `
  :root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; background: #f7f8fa; }
  body { margin: 0 auto; max-width: 1200px; padding: 24px; }
  h1 { margin: 0 0 4px; font-size: 26px; }
  h2 { margin: 32px 0 8px; font-size: 20px; border-bottom: 1px solid #d9dde3; padding-bottom: 4px; }
  h3 { margin: 16px 0 4px; font-size: 15px; }
  p.meta, p.note { color: #52606d; margin: 4px 0 12px; }
  .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
  .card { background: #fff; border: 1px solid #d9dde3; border-radius: 6px; padding: 10px 16px; min-width: 120px; }
  .card b { display: block; font-size: 24px; }
  .card.bad b { color: #c0392b; }
  .chart { position: relative; background: #fff; border: 1px solid #d9dde3; border-radius: 6px; padding: 8px; margin: 8px 0; }
  .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
  table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; margin: 8px 0; }
  th, td { border: 1px solid #d9dde3; padding: 4px 6px; text-align: left; vertical-align: top; }
  th { background: #eef1f5; }
  td.num { text-align: right; white-space: nowrap; }
  td.msg { overflow-wrap: anywhere; min-width: 16em; }
  .status-REJECTED, .status-FAILED { color: #c0392b; font-weight: 600; }
  .empty { color: #52606d; font-style: italic; }
`;

const hash = (source: string): string => `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;

interface Cell {
  text: string;
  className?: string;
}
const num = (text: string): Cell => ({ text, className: 'num' });
const msg = (text: string): Cell => ({ text, className: 'msg' });

function table(headings: string[], rows: (string | Cell)[][], id: string): string {
  const head = headings.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row
          .map((cell) => {
            const c = typeof cell === 'string' ? { text: cell } : cell;
            return `<td${c.className ? ` class="${escapeHtml(c.className)}"` : ''}>${escapeHtml(c.text)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table id="${escapeHtml(id)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const empty = (text: string): string => `<p class="empty">${escapeHtml(text)}</p>`;
const canvas = (id: string, label: string): string =>
  `<div class="chart"><canvas id="${escapeHtml(id)}" role="img" aria-label="${escapeHtml(label)}"></canvas></div>`;

function spendSection(charts: SpendChart[], prefix: string, what: string): string {
  if (charts.length === 0) return empty('No budget with an amount.');
  return charts
    .map((chart, i) => {
      const omitted =
        chart.omitted > 0
          ? `<p class="note">The ${chart.rows.length} ${what} most at risk (highest forecast share of the budget); ${chart.omitted} more in the table of every budget.</p>`
          : '';
      return `<h3>${escapeHtml(chart.currency)}</h3>${omitted}${canvas(`${prefix}-${i}`, `budget, actual and forecast in ${chart.currency}`)}`;
    })
    .join('\n');
}

/** The page. `chartLibrary` is Chart.js's UMD build (chart-library.ts), inlined as is. */
export function renderReportPage(model: ReportModel, chartLibrary: string): string {
  const charts = chartSpecs(model);
  const data = jsonForScript({ charts });
  const csp = [
    "default-src 'none'",
    `script-src ${hash(chartLibrary)} ${hash(BOOT_SCRIPT)}`,
    `style-src ${hash(STYLE)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const t = model.totals;
  const statusCard = (name: string) => model.statuses.find((s) => s.name === name)?.count ?? 0;

  const problems =
    model.problems.length === 0
      ? empty('None: no item is REJECTED or FAILED.')
      : table(
          ['account', 'budget', 'status', 'message', 'since'],
          model.problems.map((p) => [
            p.account,
            p.budgetName,
            { text: p.status, className: `status-${p.status}` },
            msg(p.message),
            time(p.updatedAt),
          ]),
          'problems-table',
        );

  const lockdowns =
    model.lockdowns.length === 0
      ? empty('No lockdown decision on any budget.')
      : `<div class="pair"><div>${canvas('chart-lockdowns', 'lockdown statuses')}</div><div></div></div>` +
        table(
          ['when', 'account', 'budget', 'status', 'locked', 'mode', 'state', 'message'],
          model.lockdowns.map((l) => [
            time(l.at),
            l.account,
            l.budgetName,
            l.status,
            l.locked ? 'yes' : 'no',
            l.mode,
            l.state,
            msg(l.message),
          ]),
          'lockdowns-table',
        ) +
        (model.omitted.lockdowns > 0
          ? `<p class="note">${model.omitted.lockdowns} older decisions not shown.</p>`
          : '');

  const guardian =
    model.guardian.length === 0
      ? empty('No budget has a guardian estimate (no guardian runs, or it has not reported yet).')
      : canvas('chart-guardian', "guardian's estimate against AWS Budgets' actual") +
        table(
          ['estimated', 'account', 'budget', 'amount', 'AWS actual', 'guardian estimate'],
          model.guardian.map((g) => [
            time(g.estimatedAt),
            g.account,
            g.budgetName,
            num(money(g.amount, g.currency)),
            num(`${money(g.actual, g.currency)} (${percent(g.actualPercent)})`),
            num(`${money(g.estimate, g.currency)} (${percent(g.estimatePercent)})`),
          ]),
          'guardian-table',
        ) +
        (model.omitted.guardian > 0 ? `<p class="note">${model.omitted.guardian} older estimates not shown.</p>` : '');

  const defaults =
    model.defaults.length === 0
      ? empty('No organization default (OU or root item).')
      : table(
          [
            'OU or root',
            'budget',
            'amount',
            'status',
            'accounts',
            'applied',
            'on their way',
            'failed',
            'overridden',
            'opted out',
            'actual',
            'forecast',
            'states',
            'message',
          ],
          model.defaults.map((d) => [
            d.targetLabel,
            d.budgetName,
            num(money(d.amount, d.currency)),
            { text: d.status ?? '—', className: `status-${d.status ?? 'none'}` },
            num(String(d.rollup?.accounts ?? '—')),
            num(String(d.rollup?.applied ?? '—')),
            num(String(d.rollup?.pending ?? '—')),
            num(String(d.rollup?.failed ?? '—')),
            num(String(d.rollup?.overridden ?? '—')),
            num(String(d.rollup?.optedOut ?? '—')),
            num(money(d.rollup?.actual, d.currency)),
            num(money(d.rollup?.forecasted, d.currency)),
            (d.rollup?.states ?? []).map((s) => `${s.name} ${s.count}`).join(', ') || '—',
            msg(d.message ?? ''),
          ]),
          'defaults-table',
        );

  const every =
    model.budgets.length === 0
      ? empty('No budget of an account.')
      : table(
          [
            'account',
            'OU',
            'budget',
            'amount',
            'period',
            'status',
            'actual',
            'forecast',
            'state',
            'why',
            'inherited from',
          ],
          model.budgets.map((b) => [
            b.account,
            b.ou ?? '—',
            b.budgetName,
            num(money(b.amount, b.currency)),
            b.period,
            { text: b.status ?? '—', className: `status-${b.status ?? 'none'}` },
            num(`${money(b.actual, b.currency)} (${percent(b.actualPercent)})`),
            num(`${money(b.forecasted, b.currency)} (${percent(b.forecastedPercent)})`),
            b.state,
            msg(b.stateReason ?? ''),
            b.inheritedFrom ?? '',
          ]),
          'budgets-table',
        );

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>org-budgets report ${escapeHtml(time(model.generatedAt))}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>org-budgets report</h1>
<p class="meta">Table ${escapeHtml(model.tableName)}, read ${escapeHtml(time(model.generatedAt))}.${
    model.organizationKnown ? '' : ' The organization could not be read: no account names and no OUs.'
  }</p>
<div class="cards">
<div class="card"><b>${t.budgets}</b>budgets of accounts</div>
<div class="card"><b>${t.accounts}</b>accounts</div>
<div class="card"><b>${t.defaults}</b>organization defaults</div>
<div class="card"><b>${statusCard('APPLIED')}</b>APPLIED</div>
<div class="card${t.problems > 0 ? ' bad' : ''}"><b>${t.problems}</b>REJECTED or FAILED</div>
</div>

<section id="accounts">
<h2>Budget, actual and forecast per account</h2>
<p class="note">One row per budget of an account: its amount, AWS Budgets' actual spend in the period and its forecast (the actual while AWS has no forecast).</p>
${spendSection(model.accountCharts, 'chart-accounts', 'budgets')}
</section>

<section id="ous">
<h2>Budget, actual and forecast per OU</h2>
<p class="note">One row per OU and budget name: the budgets of that name of the accounts the OU holds directly, added up (how many, and how many reported spend).</p>
${model.organizationKnown ? spendSection(model.ouCharts, 'chart-ous', 'OU budgets') : empty('The organization could not be read.')}
</section>

<section id="states">
<h2>States and statuses</h2>
<div class="pair">
<div><h3>States of the budgets</h3>${model.states.length > 0 ? canvas('chart-states', 'budget states') : empty('No budget.')}</div>
<div><h3>Statuses of the items</h3>${model.statuses.length > 0 ? canvas('chart-statuses', 'item statuses') : empty('No item.')}</div>
</div>
</section>

<section id="problems">
<h2>REJECTED and FAILED</h2>
${problems}
</section>

<section id="lockdown">
<h2>Lockdown: the last decision of each budget</h2>
<p class="note">What the table holds (lockdownStatus): each budget's last lockdown or lift, not its history.</p>
${lockdowns}
</section>

<section id="guardian">
<h2>The cost guardian's estimates</h2>
<p class="note">The guardian's latest estimate of each budget's spend (AWS Budgets' figure plus the AWS Batch jobs since), against AWS Budgets' actual. The guardian's actions themselves (queues disabled and enabled again, jobs terminated) are recorded in each member account (its ledger and its emails), not in the hub table: this report cannot show them.</p>
${guardian}
</section>

<section id="defaults">
<h2>Organization defaults</h2>
${defaults}
</section>

<section id="budgets">
<h2>Every budget</h2>
${every}
</section>

<script type="application/json" id="report-data">${data}</script>
<script>${chartLibrary}</script>
<script>${BOOT_SCRIPT}</script>
</body>
</html>
`;
}
