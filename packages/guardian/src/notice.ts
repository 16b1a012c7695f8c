import type { SpendEstimate } from './spend-estimate';

/**
 * Texts of the guardian's notices: the emails researchers and engineers get when the guardian
 * disables their AWS Batch job queues, terminates their jobs, or re-enables the queues. Each says
 * what happened, why (the estimate and its parts, the thresholds), and what to do (ask finance to
 * raise the budget — which one: account and budget name). In notify mode they say "would".
 */

export type NoticeKind = 'QUEUES_DISABLED' | 'JOBS_TERMINATED' | 'QUEUES_REENABLED';

/** Why queues came back. */
export type ReenableReason =
  'PERIOD_CHANGED' | 'NEW_PERIOD' | 'BUDGET_RAISED' | 'THRESHOLD_RAISED' | 'ESTIMATE_BELOW_THRESHOLD';

export interface NoticeContext {
  accountId: string;
  budgetName: string;
  /** Notify mode: nothing was changed, the notice says what the guardian would do. */
  dryRun: boolean;
  estimate: SpendEstimate;
  disableQueuesAt: number;
  terminateJobsAt: number;
  /** Which jobs the budget counts, in words (see `describeCoverage`). */
  jobsCounted?: string;
}

export interface TerminatedJobSummary {
  jobId: string;
  jobName: string;
  jobQueueName: string;
  status: string;
}

export type NoticeContent =
  | (NoticeContext & { kind: 'QUEUES_DISABLED'; queues: string[] })
  | (NoticeContext & { kind: 'JOBS_TERMINATED'; jobs: TerminatedJobSummary[] })
  | (NoticeContext & { kind: 'QUEUES_REENABLED'; queues: string[]; reason: ReenableReason });

export interface RenderedNotice {
  subject: string;
  body: string;
}

/** Longest job list written out in a notice; the rest are counted. */
export const MAX_JOBS_LISTED = 25;

export function renderNotice(notice: NoticeContent): RenderedNotice {
  switch (notice.kind) {
    case 'QUEUES_DISABLED':
      return renderQueuesDisabled(notice);
    case 'JOBS_TERMINATED':
      return renderJobsTerminated(notice);
    case 'QUEUES_REENABLED':
      return renderQueuesReenabled(notice);
  }
}

function renderQueuesDisabled(n: NoticeContext & { queues: string[] }): RenderedNotice {
  const pct = formatPercent(n.estimate.percentOfBudget);
  const subject = n.dryRun
    ? `${prefix(n)}: AWS Batch job queues would be disabled at ${pct} of the budget (notify mode)`
    : `${prefix(n)}: AWS Batch job queues disabled at ${pct} of the budget`;
  const happened = n.dryRun
    ? [
        `The cost guardian is in notify mode: it changed nothing. In enforce mode it would now disable`,
        `these AWS Batch job queues, so that they accept no new jobs:`,
      ]
    : n.estimate.percentOfBudget >= n.terminateJobsAt
      ? [
          `The cost guardian disabled these AWS Batch job queues. They accept no new jobs, and the jobs`,
          `already in them are being terminated (see the separate notice):`,
        ]
      : [
          `The cost guardian disabled these AWS Batch job queues. They accept no new jobs; jobs already`,
          `in them carry on unless the estimate reaches ${n.terminateJobsAt}% of the budget:`,
        ];
  return {
    subject,
    body: [
      headline(n),
      '',
      'What happened',
      ...indent(happened),
      ...n.queues.map((q) => `    - ${q}`),
      '',
      ...why(n),
      '',
      ...whatToDo(
        n,
        n.dryRun
          ? []
          : [
              `The guardian re-enables the queues it disabled by itself once the estimate is below`,
              `${n.disableQueuesAt}% again (budget raised, or a new budget period). Re-enabling them by hand`,
              `does not help: the guardian disables them again while the estimate stays above ${n.disableQueuesAt}%.`,
            ],
      ),
    ].join('\n'),
  };
}

function renderJobsTerminated(n: NoticeContext & { jobs: TerminatedJobSummary[] }): RenderedNotice {
  const pct = formatPercent(n.estimate.percentOfBudget);
  const count = `${n.jobs.length} AWS Batch job${n.jobs.length === 1 ? '' : 's'}`;
  const subject = n.dryRun
    ? `${prefix(n)}: ${count} would be terminated at ${pct} of the budget (notify mode)`
    : `${prefix(n)}: ${count} terminated at ${pct} of the budget`;
  const listed = n.jobs
    .slice(0, MAX_JOBS_LISTED)
    .map((j) => `    - ${j.jobName} (${j.jobId}) in ${j.jobQueueName}, was ${j.status}`);
  const more = n.jobs.length > MAX_JOBS_LISTED ? [`    … and ${n.jobs.length - MAX_JOBS_LISTED} more`] : [];
  const happened = n.dryRun
    ? [`The cost guardian is in notify mode: it changed nothing. In enforce mode it would now terminate`, `these jobs:`]
    : [
        `The cost guardian asked AWS Batch to terminate these jobs, waiting and running ones alike.`,
        `Whatever a running job had not yet saved (e.g. to Amazon S3) is lost:`,
      ];
  return {
    subject,
    body: [
      headline(n),
      '',
      'What happened',
      ...indent(happened),
      ...listed,
      ...more,
      '',
      ...why(n),
      '',
      ...whatToDo(
        n,
        n.dryRun
          ? []
          : [
              `Resubmit the jobs once the budget has been raised; the guardian re-enables the queues it`,
              `disabled as soon as the estimate is below ${n.disableQueuesAt}% again.`,
            ],
      ),
    ].join('\n'),
  };
}

const REENABLE_REASONS: Record<ReenableReason, string> = {
  PERIOD_CHANGED: "the budget's period was changed: spend is counted afresh for the new period",
  NEW_PERIOD: 'a new budget period has begun',
  BUDGET_RAISED: 'the budget was raised',
  THRESHOLD_RAISED: 'the guardian thresholds were raised',
  ESTIMATE_BELOW_THRESHOLD: 'the estimated spend is below the threshold again (AWS Budgets refreshed its figure)',
};

function renderQueuesReenabled(n: NoticeContext & { queues: string[]; reason: ReenableReason }): RenderedNotice {
  const pct = formatPercent(n.estimate.percentOfBudget);
  const subject = n.dryRun
    ? `${prefix(n)}: job queues would be re-enabled at ${pct} (notify mode)`
    : `${prefix(n)}: AWS Batch job queues re-enabled at ${pct} of the budget`;
  const happened = n.dryRun
    ? [
        `The cost guardian is in notify mode: it changed nothing. In enforce mode it would now re-enable`,
        `these AWS Batch job queues:`,
      ]
    : [`The cost guardian re-enabled the AWS Batch job queues it had disabled; they accept new jobs again:`];
  return {
    subject,
    body: [
      `The estimated spend of budget "${n.budgetName}" in AWS account ${n.accountId} is ${pct} of its`,
      `${n.estimate.period.toLowerCase()} budget of ${formatMoney(n.estimate.budgetAmount, n.estimate.currency)}, below the ${n.disableQueuesAt}% at which the guardian`,
      `disables job queues: ${REENABLE_REASONS[n.reason]}.`,
      '',
      'What happened',
      ...indent(happened),
      ...n.queues.map((q) => `    - ${q}`),
      ...(n.dryRun ? [] : ['  Queues that someone else disabled stay as they are.']),
      '',
      ...why(n),
      '',
      'What to do',
      '  Nothing. Jobs that were terminated are not resubmitted by the guardian: resubmit them if',
      '  they are still needed.',
      ...signature(n),
    ].join('\n'),
  };
}

function prefix(n: NoticeContext): string {
  return `[org-budgets] ${n.accountId}/${n.budgetName}`;
}

function headline(n: NoticeContext): string {
  const e = n.estimate;
  return [
    `The estimated spend of budget "${n.budgetName}" in AWS account ${n.accountId} has reached`,
    `${formatPercent(e.percentOfBudget)} of its ${e.period.toLowerCase()} budget of ${formatMoney(e.budgetAmount, e.currency)}`,
    `(period ${formatDay(e.periodStart)} to ${formatDay(lastDay(e.periodEnd))}, UTC).`,
  ].join('\n');
}

function why(n: NoticeContext): string[] {
  const e = n.estimate;
  const money = (amount: number) => formatMoney(amount, e.currency);
  const refreshed = e.actualSpendRefreshedAfter
    ? `refreshed after ${formatTime(e.actualSpendRefreshedAfter)}`
    : 'refresh time unknown, so Batch cost counts from the period start';
  const actualLine =
    e.basis === 'PREVIOUS_PERIOD'
      ? `${money(0)} actual spend: AWS Budgets still shows last period's ${money(e.actualSpend)}`
      : e.basis === 'KEPT_AFTER_ZERO'
        ? `${money(e.actualSpendCounted)} actual spend AWS Budgets reported before the budget was updated (it shows ${money(0)} until it recalculates)`
        : `${money(e.actualSpendCounted)} actual spend reported by AWS Budgets (${refreshed})`;
  return [
    'Why',
    `  Estimated spend ${money(e.total)} = ${actualLine}`,
    `    + ${money(e.trackedBatchCost)} AWS Batch cost the guardian tracked since ${formatTime(e.trackedSince)}`,
    ...(n.jobsCounted ? [`      of ${n.jobsCounted}`] : []),
    `      (AWS Budgets learns of spend only a few times a day; the guardian adds the Batch jobs it saw`,
    `      since then, running jobs up to ${formatTime(e.estimatedAt)}, at AWS list prices).`,
    `  Thresholds: job queues are disabled at ${n.disableQueuesAt}% (${money((e.budgetAmount * n.disableQueuesAt) / 100)}),`,
    `  jobs in them are terminated at ${n.terminateJobsAt}% (${money((e.budgetAmount * n.terminateJobsAt) / 100)}).`,
  ];
}

function whatToDo(n: NoticeContext, extra: string[]): string[] {
  return [
    'What to do',
    `  If this work must go on, ask finance to raise the budget "${n.budgetName}" of AWS account`,
    `  ${n.accountId} (the org-budgets item with accountId ${n.accountId} and budgetName ${n.budgetName}).`,
    ...indent(extra),
    ...signature(n),
  ];
}

function signature(n: NoticeContext): string[] {
  return [
    '',
    `-- org-budgets cost guardian (mode ${n.dryRun ? 'notify' : 'enforce'}), account ${n.accountId}, budget ${n.budgetName}`,
  ];
}

function indent(lines: string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

/** Percent of the budget, rounded down to one decimal so that 79.96% does not read as 80.0%. */
export function formatPercent(percent: number): string {
  return `${(Math.floor(percent * 10) / 10).toFixed(1)}%`;
}

export function formatMoney(amount: number, currency: string): string {
  const text = amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${text} ${currency}`;
}

function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function formatDay(iso: string): string {
  return iso.slice(0, 10);
}

function lastDay(exclusiveEndIso: string): string {
  return new Date(Date.parse(exclusiveEndIso) - 86_400_000).toISOString();
}
