/**
 * The AWS cost of the cost guardian itself, per account per month, and of the published design it
 * is compared with. Pure: no AWS calls, no clock, no I/O. `pnpm bench:guardian` measures the calls
 * the guardian makes (per scheduled run, per Batch job event) and hands them to
 * `guardianMonthlyCost`; this module prices them and renders the comparison.
 *
 * Every price is a us-east-1 list price WITHOUT free tiers (Lambda's 1M requests and 400,000
 * GB-s, Step Functions' 4,000 transitions, SNS's first 1M publishes, CloudWatch Logs' 5 GB, the
 * Scheduler's 14M invocations): most member accounts run other workloads that use those tiers up,
 * and a free tier would make both designs look free. A month is 30 days (720 h).
 *
 * # The published design: AWS sample `serverless-batch-cost-guardian`
 *
 * Read from https://github.com/aws-samples/serverless-batch-cost-guardian (commit 06a718d7d29851f773c370ae739872f49fc4ccde,
 * stored copy read 2026-11-29) and the blog post
 * https://aws.amazon.com/blogs/hpc/avoid-overspending-with-aws-batch-using-a-serverless-cost-guardian-monitoring-architecture/
 * (Patrick Guha and Michael Lai, 2022-11). Two stacks, one deployment per account and Batch
 * compute environment (Fargate only):
 *
 * 1. Event-driven budget checker (`event_driven_budget_checker/infrastructure.py`,
 *    `event_driven_budget_checker/lambda/month_to_date_batch_spend_checker.py`): a Lambda
 *    (Python 3.9, CDK default 128 MB, x86_64) triggered by S3 object-created events with suffix
 *    `.gz` on the Cost and Usage Report bucket (`s3_bucket.add_object_created_notification(...,
 *    NotificationKeyFilter(suffix='.gz'))`). Per CUR delivery it calls `ce_client.get_cost_and_usage`
 *    once (month to date, MONTHLY, filtered by SERVICE = ECS and tag
 *    `aws:batch:compute-environment`), `budgets_client.describe_budget` once, `sns publish` once
 *    (topic with an email subscription), and, when spend ≥ `DESIRED_BUDGET_THRESHOLD_PERCENT`,
 *    `stepfunctions.start_execution` of the guardian. The README puts CUR delivery at "2-3 daily"
 *    ("AWS Billing's 2-3 daily limit with 6-8 hour granularity").
 *
 * 2. Serverless Batch Cost Guardian (`serverless_batch_cost_guardian/infrastructure.py`), a
 *    Standard Step Functions state machine (CDK `sfn.StateMachine`, default type STANDARD):
 *      stop-new-batch-job-submissions (LambdaInvoke: batch UpdateComputeEnvironment and
 *        UpdateJobQueue to DISABLED)
 *      → write-batch-ecs-tasks-to-dynamo (LambdaInvoke: batch DescribeComputeEnvironments, ecs
 *        ListTasks, ecs DescribeTasks and dynamodb PutItem per running task, PutItem of the
 *        aggregate)
 *      → initialize-start-time-and-cost (DynamoPutItem service integration)
 *      → budget_met_choice_state (Choice) —NO→ high-velocity-batch-spend-checker (LambdaInvoke)
 *        → Wait → budget_met_choice_state …   —YES→ stop-running-batch-jobs (LambdaInvoke: batch
 *        ListJobs per status, TerminateJob per job)
 *    (`definition = stop_new_batch_job_submissions.next(write_batch_ecs_tasks_to_dynamo)
 *    .next(initialize_start_time_and_cost).next(budget_met_choice_state.when(..."YES"...,
 *    stop_running_batch_jobs).when(..."NO"..., high_velocity_batch_spend_checker.next(wait_time)
 *    .next(budget_met_choice_state)))`).
 *    So each check is 3 state transitions (Task, Wait, Choice) and 1 Lambda invocation.
 *    The wait is `sfn.WaitTime.duration(core.Duration.seconds(wait_time_parameter.value_as_number))`,
 *    CfnParameter `waitTime` ("Configurable polling rate (in seconds)"), which has NO default;
 *    the README's test instructions use 5 ("I recommend updating that to be small, too (say 5)")
 *    and its cost section suggests 1200 s to stay inside the free tier.
 *    The checker (`serverless_batch_cost_guardian/lambdas/high_velocity_batch_spend_checker.py`)
 *    makes 2 DynamoDB `get_item` (aggregate table, timestamp/cost table; boto3 default, eventually
 *    consistent) and 1 `update_item` per check, and computes the spend itself from the aggregate
 *    vCPU and GB with hard-coded Fargate rates (0.04048 per vCPU-hour, 0.004445 per GB-hour).
 *    It makes NO Cost Explorer call: Cost Explorer is queried once per CUR delivery, by stack 1.
 *    Per ECS task stop: an EventBridge rule on "ECS Task State Change" STOPPED → Lambda
 *    `delete_ecs_task_from_dynamo` (DeleteItem) → DynamoDB stream (batch_size 100) → Lambda
 *    `update_aggregate_ecs_task_table` (UpdateItem). Stream reads by Lambda triggers are free.
 *    When it runs: the loop is started only when month-to-date spend crosses the threshold, and
 *    then runs whether or not jobs run; its only exit is budgetMet = YES (then it terminates
 *    every job). It does not stop at the end of the month: the README's "Reset the Solution"
 *    is manual. One loop per deployment, i.e. per account and compute environment, not per job.
 *    Its first state disables the job queue and compute environment, so from the threshold on no
 *    new job runs at all until someone re-enables them; between CUR deliveries (6-8 h apart, by
 *    the README) nothing watches spend.
 *
 * What `baselineMonthlyCost` takes from that, and what is assumed (all parameters):
 * - found: 3 transitions and 1 Lambda invocation per check; 2 eventually consistent GetItem
 *   (2 × 0.5 RRU for items ≤ 4 KB) and 1 UpdateItem (1 WRU, item ≤ 1 KB) per check; 0 Cost
 *   Explorer queries per check; 1 CE query, 1 DescribeBudget, 1 SNS publish per CUR delivery;
 *   128 MB x86_64 Lambdas (no memorySize/architecture set, CDK defaults); 4 transitions,
 *   2 Lambda invocations and 2 WRU to start an execution; 1 customer managed KMS key for the SNS
 *   topic (`kms.Key(self, "SnsKmsKey", enable_key_rotation=True, ...)`, `master_key=kms_key`).
 * - not counted: the S3 storage of the hourly CUR the sample requires, and the AWS Budget itself
 *   (free without actions).
 * - ASSUMED: `pollSeconds` = 5 (no default in the sample; the README's test value, and the
 *   issue's "state transitions every few seconds"); `activeHoursPerMonth` = 720 (a month in which
 *   the loop runs: once started it runs until the budget is met, across month ends);
 *   `lambdaMsPerCheck` = 50 (two GetItem and one UpdateItem from a warm boto3 client); 1,000 ms
 *   per CUR-triggered check and 500 ms per start-up Lambda; `curDeliveriesPerMonth` = 90 (3 a day,
 *   one `.gz` object each; a multi-part report triggers once per part); 1 email subscriber;
 *   1 KMS GenerateDataKey per CUR delivery (SNS reuses a data key for up to 5 minutes);
 *   `ecsTaskStopsPerMonth` = 0 (pass the benchmark's job count to include them); 300 bytes of
 *   Lambda platform log lines (START/END/REPORT) per invocation; logs kept 3 months (the sample's
 *   log groups never expire; 3 months is the spoke's `logRetentionInDays: 90`, so both sides
 *   store alike).
 * - The issue describes the sample as "a Step Functions polling loop (state transitions every few
 *   seconds plus a Cost Explorer query per check)". The code does not query Cost Explorer per
 *   check; `ISSUE_BASELINE` prices that reading (`costExplorerQueriesPerCheck: 1`) for whoever
 *   wants it, but the default is what the code does.
 *
 * # Prices (us-east-1, list, no free tier; pages read 2026-11-29 from stored copies)
 * See `PRICES`: each entry carries its source. Free operations are listed in `OPERATIONS` with
 * the reason; an operation missing from `OPERATIONS` throws, so a new call is never silently free.
 * SQS, Lambda's Invoke and the Scheduler operations were added 2026-12-03, for the guardian's checks
 * (issue 12).
 *
 * # Checks between scheduled runs (the guardian's reaction)
 * Nothing stands and waits for a check: no queue, no poller, no alarm of their own (an earlier
 * design had an SQS queue that Lambda polled all the time: $0.26 a month idle, and $0.10 of alarm).
 * - Each check: the tracker's claim of the check (up to 2 UpdateItem, conditional: consumed even
 *   when they lose), lambda:Invoke (asynchronous; billed as the invocation's Lambda request, no
 *   API charge), one Lambda invocation of enforce-spend (and one of delay-guardian-check when it
 *   waits), and the check run's own calls (measured).
 *   A follow-up more than 2 minutes ahead is a one-time EventBridge Scheduler schedule instead:
 *   CreateSchedule (no API charge) and one scheduled invocation ($1.00 per million).
 *   `CHECK_DELIVERY_CALLS` counts both ways for every check, so it errs high.
 * - A check due later waits for its time in delay-guardian-check (128 MB; the tracker's trailing
 *   check waits out the 10 s debounce, a follow-up the expected crossing, at most 2 minutes), then
 *   runs in enforce-spend (512 MB): the bench bills every check for the mean of each function's
 *   invocations in its bursts, and every check as two invocations (errs high).
 */

export type LambdaArchitecture = 'arm64' | 'x86_64';

export interface UnitPrice {
  /** USD for `per` units. */
  usd: number;
  per: number;
  /** What is counted, plural: 'requests', 'GB-seconds'. */
  unit: string;
  /** The price as printed in the report: '$0.20 / 1M requests'. */
  label: string;
  source: string;
  note?: string;
}

const LAMBDA_PRICING = 'https://aws.amazon.com/lambda/pricing/';
const FREE_NOTE = 'no charge for the call';

export const PRICES = {
  lambdaRequests: {
    usd: 0.2,
    per: 1_000_000,
    unit: 'requests',
    label: '$0.20 / 1M requests',
    source: LAMBDA_PRICING,
    note: '$0.20 per 1M requests, both architectures',
  },
  lambdaDurationArm64: {
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-seconds',
    label: '$0.0000133334 / GB-s',
    source: LAMBDA_PRICING,
    note: 'Arm, first 7.5 billion GB-s/month tier; duration rounded up to 1 ms; GB = MB / 1024',
  },
  lambdaDurationX86: {
    usd: 0.0000166667,
    per: 1,
    unit: 'GB-seconds',
    label: '$0.0000166667 / GB-s',
    source: LAMBDA_PRICING,
    note: 'x86, first 6 billion GB-s/month tier; duration rounded up to 1 ms; GB = MB / 1024',
  },
  stepFunctionsTransitions: {
    usd: 0.025,
    per: 1_000,
    unit: 'state transitions',
    label: '$0.025 / 1,000 transitions',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    note: 'Standard workflows, US East (N. Virginia) $0.0250 per 1,000; retries count; free tier of 4,000 excluded',
  },
  costExplorerRequests: {
    usd: 0.01,
    per: 1,
    unit: 'requests',
    label: '$0.01 / request',
    source: 'https://aws.amazon.com/aws-cost-management/aws-cost-explorer/pricing/',
    note: 'Cost Explorer API: "Each request will incur a cost of $0.01" (each paginated request)',
  },
  dynamodbReadUnits: {
    usd: 0.125,
    per: 1_000_000,
    unit: 'read request units',
    label: '$0.125 / 1M RRU',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'on-demand, Standard table class; halved from $0.25 on 2024-11-01. 1 RRU = 1 strongly consistent read ≤ 4 KB (eventually consistent: 0.5)',
  },
  dynamodbWriteUnits: {
    usd: 0.625,
    per: 1_000_000,
    unit: 'write request units',
    label: '$0.625 / 1M WRU',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'on-demand, Standard table class; halved from $1.25 on 2024-11-01. 1 WRU = 1 write ≤ 1 KB (transactional: 2)',
  },
  snsPublishes: {
    usd: 0.5,
    per: 1_000_000,
    unit: 'publishes',
    label: '$0.50 / 1M publishes',
    source: 'https://aws.amazon.com/sns/pricing/',
    note: 'standard topics, per 64 KB chunk; first 1M free excluded',
  },
  snsEmailDeliveries: {
    usd: 2,
    per: 100_000,
    unit: 'email deliveries',
    label: '$2.00 / 100,000 emails',
    source: 'https://aws.amazon.com/sns/pricing/',
    note: 'email/email-JSON notifications; deliveries to Lambda and SQS are free',
  },
  eventBridgeCustomEvents: {
    usd: 1,
    per: 1_000_000,
    unit: 'custom events',
    label: '$1.00 / 1M events',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    note: 'PutEvents, per entry and per 64 KB chunk; AWS service events to the default bus are free',
  },
  eventBridgeSchedulerInvocations: {
    usd: 1,
    per: 1_000_000,
    unit: 'scheduled invocations',
    label: '$1.00 / 1M invocations',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    note: 'EventBridge Scheduler (not scheduled rules); first 14M/month free excluded',
  },
  cloudWatchLogsIngestion: {
    usd: 0.5,
    per: 1,
    unit: 'GB ingested',
    label: '$0.50 / GB',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    note: 'Standard log class; Lambda logs are tiered since 2025-05-01, first tier still $0.50/GB; GB = 2^30 bytes',
  },
  cloudWatchLogsStorage: {
    usd: 0.03,
    per: 1,
    unit: 'GB-months stored',
    label: '$0.03 / GB-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    note: 'archival storage; priced here on uncompressed bytes (an upper bound: AWS stores compressed)',
  },
  cloudWatchApiRequests: {
    usd: 0.01,
    per: 1_000,
    unit: 'requests',
    label: '$0.01 / 1,000 requests',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    note: 'PutMetricData and other metric API requests',
  },
  sqsRequests: {
    usd: 0.4,
    per: 1_000_000,
    unit: 'requests',
    label: '$0.40 / 1M requests',
    source: 'https://aws.amazon.com/sqs/pricing/',
    note: 'standard queues, first 100 billion requests a month; each 64 KB chunk of a request is one; empty receives count; first 1M a month free excluded. The official page was not among the stored copies: the price as 2026 guides quote it (https://cloudburn.io/blog/amazon-sqs-pricing)',
  },
  cloudWatchAlarms: {
    usd: 0.1,
    per: 1,
    unit: 'alarm-months',
    label: '$0.10 / alarm-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    note: 'standard resolution (60 s and longer periods), per alarm metric, prorated hourly; first 10 alarms free excluded',
  },
  kmsKeyMonths: {
    usd: 1,
    per: 1,
    unit: 'key-months',
    label: '$1.00 / key-month',
    source: 'https://aws.amazon.com/kms/pricing/',
    note: 'customer managed key, prorated hourly; each rotated backing key adds $1/month (none in the first year)',
  },
  kmsRequests: {
    usd: 0.03,
    per: 10_000,
    unit: 'requests',
    label: '$0.03 / 10,000 requests',
    source: 'https://aws.amazon.com/kms/pricing/',
    note: 'symmetric key requests (GenerateDataKey, Decrypt); free tier of 20,000 excluded',
  },
  free: {
    usd: 0,
    per: 1,
    unit: 'calls',
    label: 'free',
    source: 'see OPERATIONS',
    note: FREE_NOTE,
  },
} as const satisfies Record<string, UnitPrice>;

export type PriceKey = keyof typeof PRICES;

/** USD for one unit of a price. */
export function unitPrice(key: PriceKey): number {
  const p: UnitPrice = PRICES[key];
  return p.usd / p.per;
}

export interface OperationPrice {
  price: PriceKey;
  /** Billed units per call (or per counted thing, for the pseudo-operations). */
  unitsPerCall: number;
  why: string;
}

const free = (why: string): OperationPrice => ({ price: 'free', unitsPerCall: 0, why });
const BATCH_FREE = free(
  'AWS Batch: no additional charge, you pay for the EC2/Fargate it runs (https://aws.amazon.com/batch/pricing/)',
);
const ECS_FREE = free('Amazon ECS: no additional charge for the control plane (https://aws.amazon.com/ecs/pricing/)');
const BUDGETS_FREE = free(
  'AWS Budgets: budgets without actions $0.00 per budget-day, no per-request SKU in the AWS Price List offer AWSBudgets (https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/); action-enabled budgets $0.10/day after the first two, reports $0.01 each',
);
const STS_FREE = free(
  'IAM and AWS STS "are features of your AWS account offered at no additional charge" (https://docs.aws.amazon.com/IAM/latest/UserGuide/introduction.html)',
);
const SSM_FREE = free(
  'Parameter Store standard parameters at standard throughput: no additional charge (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html)',
);
const CE_REQUEST: OperationPrice = {
  price: 'costExplorerRequests',
  unitsPerCall: 1,
  why: 'one paginated Cost Explorer API request',
};

/**
 * How each call is billed, keyed 'service:Operation' as the SDK names it (`batch:ListJobs`).
 * Names with no such API are counters the benchmark can record directly
 * (`dynamodb:ReadRequestUnits`, `sns:EmailDelivery`, `events:AwsServiceEvent`, …).
 *
 * DynamoDB per call: GetItem and Query count 1 RRU (strongly consistent, ≤ 4 KB: the upper bound
 * for a small item), PutItem/UpdateItem/DeleteItem 1 WRU (item ≤ 1 KB; a failed conditional
 * write still consumes it). For larger items, batches or transactions, record the consumed
 * capacity instead (ReturnConsumedCapacity) as `dynamodb:ReadRequestUnits` /
 * `dynamodb:WriteRequestUnits`; BatchGetItem, BatchWriteItem and Transact* are left out on
 * purpose so they throw.
 */
export const OPERATIONS: Readonly<Record<string, OperationPrice>> = {
  'batch:ListJobs': BATCH_FREE,
  'batch:DescribeJobs': BATCH_FREE,
  'batch:DescribeJobQueues': BATCH_FREE,
  'batch:DescribeComputeEnvironments': BATCH_FREE,
  'batch:DescribeJobDefinitions': BATCH_FREE,
  'batch:UpdateJobQueue': BATCH_FREE,
  'batch:UpdateComputeEnvironment': BATCH_FREE,
  'batch:TerminateJob': BATCH_FREE,
  'batch:CancelJob': BATCH_FREE,
  'batch:ListTagsForResource': BATCH_FREE,
  'ecs:ListTasks': ECS_FREE,
  'ecs:DescribeTasks': ECS_FREE,
  'budgets:DescribeBudget': BUDGETS_FREE,
  'budgets:DescribeBudgets': BUDGETS_FREE,
  'budgets:DescribeBudgetPerformanceHistory': BUDGETS_FREE,
  'budgets:DescribeNotificationsForBudget': BUDGETS_FREE,
  'budgets:CreateBudget': BUDGETS_FREE,
  'budgets:UpdateBudget': BUDGETS_FREE,
  'sts:AssumeRole': STS_FREE,
  'sts:GetCallerIdentity': STS_FREE,
  'ssm:GetParameter': SSM_FREE,
  'ssm:GetParameters': SSM_FREE,
  'ssm:GetParametersByPath': SSM_FREE,
  'ssm:PutParameter': SSM_FREE,
  'ce:GetCostAndUsage': CE_REQUEST,
  'ce:GetCostAndUsageWithResources': CE_REQUEST,
  'ce:GetCostForecast': CE_REQUEST,
  'ce:GetDimensionValues': CE_REQUEST,
  'ce:GetTags': CE_REQUEST,
  'dynamodb:GetItem': {
    price: 'dynamodbReadUnits',
    unitsPerCall: 1,
    why: 'strongly consistent read of an item ≤ 4 KB',
  },
  'dynamodb:Query': { price: 'dynamodbReadUnits', unitsPerCall: 1, why: 'strongly consistent, ≤ 4 KB returned in all' },
  'dynamodb:PutItem': { price: 'dynamodbWriteUnits', unitsPerCall: 1, why: 'item ≤ 1 KB' },
  'dynamodb:UpdateItem': { price: 'dynamodbWriteUnits', unitsPerCall: 1, why: 'item ≤ 1 KB' },
  'dynamodb:DeleteItem': { price: 'dynamodbWriteUnits', unitsPerCall: 1, why: 'item ≤ 1 KB' },
  'dynamodb:ReadRequestUnits': { price: 'dynamodbReadUnits', unitsPerCall: 1, why: 'consumed capacity, measured' },
  'dynamodb:WriteRequestUnits': { price: 'dynamodbWriteUnits', unitsPerCall: 1, why: 'consumed capacity, measured' },
  'sns:Publish': { price: 'snsPublishes', unitsPerCall: 1, why: 'message ≤ 64 KB' },
  'sns:EmailDelivery': { price: 'snsEmailDeliveries', unitsPerCall: 1, why: 'one email to one subscriber' },
  'events:PutEvents': {
    price: 'eventBridgeCustomEvents',
    unitsPerCall: 1,
    why: 'count entries, not calls; ≤ 64 KB each',
  },
  'events:AwsServiceEvent': free(
    'AWS service events (Batch Job State Change, ECS Task State Change) on the default bus and their rule matching are free (https://aws.amazon.com/eventbridge/pricing/)',
  ),
  'events:ScheduledRuleInvocation': free(
    'an EventBridge rule with a schedule expression: not a custom event; CloudWatch pricing "Events: All events except custom events are included" (https://aws.amazon.com/cloudwatch/pricing/)',
  ),
  'scheduler:Invocation': { price: 'eventBridgeSchedulerInvocations', unitsPerCall: 1, why: 'EventBridge Scheduler' },
  'scheduler:CreateSchedule': free(
    'EventBridge Scheduler charges per scheduled invocation, not per API call (https://aws.amazon.com/eventbridge/pricing/)',
  ),
  'lambda:Invoke': free(
    'the Invoke API: the invocation is billed as a Lambda request and its duration (https://aws.amazon.com/lambda/pricing/)',
  ),
  'sqs:SendMessage': { price: 'sqsRequests', unitsPerCall: 1, why: 'one request, message ≤ 64 KB' },
  'sqs:ReceiveMessage': { price: 'sqsRequests', unitsPerCall: 1, why: 'one request, empty or not (≤ 64 KB returned)' },
  'sqs:DeleteMessage': { price: 'sqsRequests', unitsPerCall: 1, why: 'one request' },
  'sqs:DeleteMessageBatch': { price: 'sqsRequests', unitsPerCall: 1, why: 'one request (up to 10 entries)' },
  'sqs:ChangeMessageVisibility': { price: 'sqsRequests', unitsPerCall: 1, why: 'one request' },
  'sqs:GetQueueAttributes': { price: 'sqsRequests', unitsPerCall: 1, why: 'one request' },
  'states:StateTransition': { price: 'stepFunctionsTransitions', unitsPerCall: 1, why: 'Standard workflow' },
  'cloudwatch:PutMetricData': { price: 'cloudWatchApiRequests', unitsPerCall: 1, why: 'one API request' },
  'kms:GenerateDataKey': { price: 'kmsRequests', unitsPerCall: 1, why: 'symmetric key request' },
  'kms:Decrypt': { price: 'kmsRequests', unitsPerCall: 1, why: 'symmetric key request' },
};

export interface CostLine {
  /** 'lambda: requests', 'dynamodb:GetItem', … */
  item: string;
  quantity: number;
  /** Unit of `quantity` ('requests', 'GB-seconds', 'calls'). */
  unit: string;
  /** USD per single unit. */
  unitPrice: number;
  price: PriceKey;
  cost: number;
}

export interface CostBreakdown {
  /** USD per account per month. */
  total: number;
  lines: CostLine[];
  /** What the figures rest on, one line each, for the report. */
  notes: string[];
}

export const DAYS_PER_MONTH = 30;
export const HOURS_PER_MONTH = DAYS_PER_MONTH * 24;
const BYTES_PER_GB = 1024 ** 3;
/** START, END and REPORT lines of one Lambda invocation in the text log format (assumed). */
export const LAMBDA_PLATFORM_LOG_BYTES = 300;
/** The spoke's `logRetentionInDays: 90`. */
export const DEFAULT_LOG_RETENTION_MONTHS = 3;

/** Runs per 30-day month of a schedule every `intervalMinutes` (5 → 8,640). */
export function scheduledRunsPerMonth(intervalMinutes: number): number {
  assertPositive('intervalMinutes', intervalMinutes);
  return (HOURS_PER_MONTH * 60) / intervalMinutes;
}

export interface GuardianUsage {
  /** Scheduled runs a month (8,640 for every 5 minutes: `scheduledRunsPerMonth(5)`). */
  scheduledRunsPerMonth: number;
  /** Calls per scheduled run, averaged: { 'budgets:DescribeBudget': 1, 'batch:ListJobs': 2 }. */
  callsPerRun: Record<string, number>;
  /**
   * Average billed duration of the scheduled function, ms (rounded up to the ms). Include the INIT
   * phase of cold starts: Lambda bills it for on-demand functions since 2025-08.
   */
  lambdaMsPerRun: number;
  lambdaMemoryMb: number;
  architecture: LambdaArchitecture;
  /** Batch Job State Change events the tracker handles a month. */
  jobEventsPerMonth: number;
  callsPerJobEvent: Record<string, number>;
  /** Average duration of the tracker per event, ms. */
  trackerMsPerEvent: number;
  /** Bytes the function logs per run / per event (its own lines, without the platform lines). */
  logBytesPerRun: number;
  logBytesPerEvent: number;
  /** How the schedule fires: an EventBridge rule (free, the default) or EventBridge Scheduler. */
  scheduleTrigger?: 'eventbridge-rule' | 'eventbridge-scheduler';
  /** Tracker memory when it differs from `lambdaMemoryMb`. */
  trackerMemoryMb?: number;
  /** Added to every invocation's log bytes; default `LAMBDA_PLATFORM_LOG_BYTES`. */
  platformLogBytesPerInvocation?: number;
  /** Months the logs are kept; default 3 (the spoke's 90 days). */
  logRetentionMonths?: number;
  /** Customer managed KMS keys the guardian's stack creates; default 0. */
  kmsKeys?: number;
  /** Checks between scheduled runs (invocations of enforce-spend); none when left out. */
  checks?: CheckUsage;
  /** CloudWatch alarms the guardian's stack creates (standard resolution); default 0. */
  cloudWatchAlarms?: number;
}

/** Checks asked for between scheduled runs: a job started near a threshold, or a follow-up at an expected crossing. */
export interface CheckUsage {
  perMonth: number;
  /** The check run's own calls (enforce-spend for one budget), measured. */
  callsPerCheck: Record<string, number>;
  /** Billed duration of a check's run in enforce-spend (`lambdaMemoryMb`), ms. */
  lambdaMsPerCheck: number;
  /**
   * Billed duration of a check's wait in delay-guardian-check, ms; 0 (the default) when checks do
   * not wait. Each check is then counted as two invocations (an upper bound: a check due now has
   * no wait).
   */
  delayMsPerCheck?: number;
  /** delay-guardian-check's memory; default 128 MB. */
  delayMemoryMb?: number;
  logBytesPerCheck: number;
  /** The calls that carry a check to enforce-spend; default `CHECK_DELIVERY_CALLS`. */
  deliveryCallsPerCheck?: Record<string, number>;
}

/**
 * What carries one check to enforce-spend: the tracker's claim (conditional UpdateItems of the
 * watch item, billed even when they fail: 1 for a leading check, 2 for a trailing one, whose
 * leading slot was taken; counted as 2, and a follow-up asked by a run needs none), the
 * asynchronous Invoke, and — as if every check were also a follow-up more than 2 minutes ahead —
 * a one-time schedule and its invocation. It errs high. Not counted: a start near a threshold that
 * finds both slots taken asks for no check but still makes its 2 UpdateItem (2 WRU, $0.00000125).
 */
export const CHECK_DELIVERY_CALLS: Readonly<Record<string, number>> = {
  'dynamodb:UpdateItem': 2,
  'lambda:Invoke': 1,
  'scheduler:CreateSchedule': 1,
  'scheduler:Invocation': 1,
};

/** The guardian's own cost per account per month, from the calls it makes. */
export function guardianMonthlyCost(usage: GuardianUsage): CostBreakdown {
  const runs = usage.scheduledRunsPerMonth;
  const events = usage.jobEventsPerMonth;
  assertNonNegative('scheduledRunsPerMonth', runs);
  assertNonNegative('jobEventsPerMonth', events);
  assertNonNegative('lambdaMsPerRun', usage.lambdaMsPerRun);
  assertNonNegative('trackerMsPerEvent', usage.trackerMsPerEvent);
  assertNonNegative('logBytesPerRun', usage.logBytesPerRun);
  assertNonNegative('logBytesPerEvent', usage.logBytesPerEvent);
  assertPositive('lambdaMemoryMb', usage.lambdaMemoryMb);
  const trackerMemoryMb = usage.trackerMemoryMb ?? usage.lambdaMemoryMb;
  assertPositive('trackerMemoryMb', trackerMemoryMb);
  const platformBytes = usage.platformLogBytesPerInvocation ?? LAMBDA_PLATFORM_LOG_BYTES;
  assertNonNegative('platformLogBytesPerInvocation', platformBytes);
  const retentionMonths = usage.logRetentionMonths ?? DEFAULT_LOG_RETENTION_MONTHS;
  assertNonNegative('logRetentionMonths', retentionMonths);

  const checks = usage.checks ?? { perMonth: 0, callsPerCheck: {}, lambdaMsPerCheck: 0, logBytesPerCheck: 0 };
  assertNonNegative('checks.perMonth', checks.perMonth);
  assertNonNegative('checks.lambdaMsPerCheck', checks.lambdaMsPerCheck);
  assertNonNegative('checks.logBytesPerCheck', checks.logBytesPerCheck);
  const delayMs = checks.delayMsPerCheck ?? 0;
  assertNonNegative('checks.delayMsPerCheck', delayMs);
  const delayMemoryMb = checks.delayMemoryMb ?? 128;
  assertPositive('checks.delayMemoryMb', delayMemoryMb);
  const delayInvocations = delayMs > 0 ? checks.perMonth : 0;
  const alarms = usage.cloudWatchAlarms ?? 0;
  assertNonNegative('cloudWatchAlarms', alarms);
  const checkCount = checks.perMonth;

  const lines: CostLine[] = [];
  const trigger = usage.scheduleTrigger ?? 'eventbridge-rule';
  lines.push(
    trigger === 'eventbridge-rule'
      ? operationLine('events:ScheduledRuleInvocation', runs, 'schedule')
      : operationLine('scheduler:Invocation', runs, 'schedule'),
  );
  lines.push(operationLine('events:AwsServiceEvent', events, 'job events'));
  lines.push(
    priceLine('lambda: requests', 'lambdaRequests', runs + events + checkCount + delayInvocations),
    priceLine(
      `lambda: duration (${usage.architecture})`,
      durationPrice(usage.architecture),
      gbSeconds(runs, usage.lambdaMsPerRun, usage.lambdaMemoryMb) +
        gbSeconds(events, usage.trackerMsPerEvent, trackerMemoryMb) +
        gbSeconds(checkCount, checks.lambdaMsPerCheck, usage.lambdaMemoryMb) +
        gbSeconds(delayInvocations, delayMs, delayMemoryMb),
    ),
  );
  lines.push(
    ...operationLines([
      { calls: usage.callsPerRun, times: runs, where: 'callsPerRun' },
      { calls: usage.callsPerJobEvent, times: events, where: 'callsPerJobEvent' },
      { calls: checks.callsPerCheck, times: checkCount, where: 'checks.callsPerCheck' },
      {
        calls: usage.checks ? (checks.deliveryCallsPerCheck ?? CHECK_DELIVERY_CALLS) : {},
        times: checkCount,
        where: 'checks.deliveryCallsPerCheck',
      },
    ]),
  );
  const logBytes =
    runs * (usage.logBytesPerRun + platformBytes) +
    events * (usage.logBytesPerEvent + platformBytes) +
    checkCount * (checks.logBytesPerCheck + platformBytes) +
    delayInvocations * (checks.logBytesPerCheck + platformBytes);
  lines.push(...logLines(logBytes, retentionMonths));
  if (alarms > 0) lines.push(priceLine('cloudwatch: alarms', 'cloudWatchAlarms', alarms));
  const kmsKeys = usage.kmsKeys ?? 0;
  assertNonNegative('kmsKeys', kmsKeys);
  if (kmsKeys > 0) lines.push(priceLine('kms: customer managed keys', 'kmsKeyMonths', kmsKeys));

  const notes = [
    `${fmtCount(runs)} scheduled runs (${usage.lambdaMsPerRun} ms, ${usage.lambdaMemoryMb} MB ${usage.architecture}), ` +
      `${fmtCount(events)} job events (${usage.trackerMsPerEvent} ms, ${trackerMemoryMb} MB)`,
  ];
  if (usage.checks) {
    notes.push(
      `${fmtCount(checkCount)} checks between scheduled runs (${checks.lambdaMsPerCheck} ms each in enforce-spend` +
        (delayMs > 0 ? `, after ${delayMs} ms of waiting in delay-guardian-check at ${delayMemoryMb} MB)` : ')'),
    );
  }
  notes.push(`logs: ${platformBytes} B of platform lines per invocation added, kept ${retentionMonths} months`);
  return { total: sum(lines), lines, notes };
}

/** What one more check a month adds to the guardian's cost (USD): its calls, delivery, invocation and logs. */
export function costPerCheck(usage: GuardianUsage): number {
  const checks = usage.checks;
  if (!checks) return 0;
  const base = { ...usage, checks: { ...checks, perMonth: 0 } };
  const withOne = { ...usage, checks: { ...checks, perMonth: 1 } };
  return guardianMonthlyCost(withOne).total - guardianMonthlyCost(base).total;
}

export interface BaselineParams {
  /** Wait state, seconds (the sample's `waitTime`; it has no default). */
  pollSeconds: number;
  /** Hours a month the loop runs (it runs from the threshold crossing until the budget is met). */
  activeHoursPerMonth: number;
  /** State transitions per check: LambdaInvoke, Wait, Choice. */
  transitionsPerCheck: number;
  /** Cost Explorer requests per check (0 in the sample's code; 1 in the issue's description). */
  costExplorerQueriesPerCheck: number;
  lambdaInvocationsPerCheck: number;
  lambdaMsPerCheck: number;
  /** Memory and architecture of all the sample's functions (CDK defaults). */
  lambdaMemoryMb: number;
  architecture: LambdaArchitecture;
  /** DynamoDB units per check: 2 eventually consistent GetItem = 1 RRU; 1 UpdateItem = 1 WRU. */
  readUnitsPerCheck: number;
  writeUnitsPerCheck: number;
  /** The checker's own log bytes per check (it prints nothing). */
  logBytesPerCheck: number;
  /** CUR objects delivered a month, each invoking the month-to-date checker. */
  curDeliveriesPerMonth: number;
  costExplorerQueriesPerCurDelivery: number;
  lambdaMsPerCurDelivery: number;
  emailSubscribers: number;
  /** State machine executions started a month, and what each start-up costs. */
  executionsPerMonth: number;
  transitionsPerExecution: number;
  lambdaInvocationsPerExecution: number;
  lambdaMsPerExecutionInvocation: number;
  writeUnitsPerExecution: number;
  /** ECS task STOPPED events: each is 2 Lambda invocations (delete, aggregate) and 2 WRU. */
  ecsTaskStopsPerMonth: number;
  lambdaMsPerTaskStop: number;
  platformLogBytesPerInvocation: number;
  logRetentionMonths: number;
  /** The SNS topic's customer managed KMS key (`kms.Key(self, "SnsKmsKey", ...)`). */
  kmsKeys: number;
  /** KMS requests per CUR delivery (GenerateDataKey for the encrypted publish). */
  kmsRequestsPerCurDelivery: number;
}

/** The sample as its code is written, with the assumptions listed in the module comment. */
export const SAMPLE_BASELINE: Readonly<BaselineParams> = {
  pollSeconds: 5,
  activeHoursPerMonth: HOURS_PER_MONTH,
  transitionsPerCheck: 3,
  costExplorerQueriesPerCheck: 0,
  lambdaInvocationsPerCheck: 1,
  lambdaMsPerCheck: 50,
  lambdaMemoryMb: 128,
  architecture: 'x86_64',
  readUnitsPerCheck: 1,
  writeUnitsPerCheck: 1,
  logBytesPerCheck: 0,
  curDeliveriesPerMonth: 90,
  costExplorerQueriesPerCurDelivery: 1,
  lambdaMsPerCurDelivery: 1000,
  emailSubscribers: 1,
  executionsPerMonth: 1,
  transitionsPerExecution: 4,
  lambdaInvocationsPerExecution: 2,
  lambdaMsPerExecutionInvocation: 500,
  writeUnitsPerExecution: 2,
  ecsTaskStopsPerMonth: 0,
  lambdaMsPerTaskStop: 50,
  platformLogBytesPerInvocation: LAMBDA_PLATFORM_LOG_BYTES,
  logRetentionMonths: DEFAULT_LOG_RETENTION_MONTHS,
  kmsKeys: 1,
  kmsRequestsPerCurDelivery: 1,
};

/** The design as the issue describes it: a Cost Explorer query on every check. */
export const ISSUE_BASELINE: Readonly<Partial<BaselineParams>> = { costExplorerQueriesPerCheck: 1 };

/** What the sample's design costs per account per month at `params` (defaults: `SAMPLE_BASELINE`). */
export function baselineMonthlyCost(params: Partial<BaselineParams> = {}): CostBreakdown {
  const p: BaselineParams = { ...SAMPLE_BASELINE, ...params };
  for (const [name, value] of Object.entries(p)) {
    if (typeof value === 'number') assertNonNegative(name, value);
  }
  assertPositive('pollSeconds', p.pollSeconds);
  assertPositive('lambdaMemoryMb', p.lambdaMemoryMb);

  const checks = Math.floor((p.activeHoursPerMonth * 3600) / p.pollSeconds);
  const cur = p.curDeliveriesPerMonth;
  const exec = p.executionsPerMonth;
  const stops = p.ecsTaskStopsPerMonth;
  const checkInvocations = checks * p.lambdaInvocationsPerCheck;
  const execInvocations = exec * p.lambdaInvocationsPerExecution;
  const stopInvocations = stops * 2;
  const invocations = checkInvocations + cur + execInvocations + stopInvocations;

  const lines: CostLine[] = [
    priceLine(
      'states: state transitions',
      'stepFunctionsTransitions',
      checks * p.transitionsPerCheck + exec * p.transitionsPerExecution,
    ),
    priceLine('lambda: requests', 'lambdaRequests', invocations),
    priceLine(
      `lambda: duration (${p.architecture})`,
      durationPrice(p.architecture),
      gbSeconds(checkInvocations, p.lambdaMsPerCheck, p.lambdaMemoryMb) +
        gbSeconds(cur, p.lambdaMsPerCurDelivery, p.lambdaMemoryMb) +
        gbSeconds(execInvocations, p.lambdaMsPerExecutionInvocation, p.lambdaMemoryMb) +
        gbSeconds(stopInvocations, p.lambdaMsPerTaskStop, p.lambdaMemoryMb),
    ),
    priceLine('dynamodb: read request units', 'dynamodbReadUnits', checks * p.readUnitsPerCheck),
    priceLine(
      'dynamodb: write request units',
      'dynamodbWriteUnits',
      checks * p.writeUnitsPerCheck + exec * p.writeUnitsPerExecution + stops * 2,
    ),
    operationLine(
      'ce:GetCostAndUsage',
      checks * p.costExplorerQueriesPerCheck + cur * p.costExplorerQueriesPerCurDelivery,
    ),
    operationLine('budgets:DescribeBudget', cur),
    operationLine('sns:Publish', cur),
    operationLine('sns:EmailDelivery', cur * p.emailSubscribers),
    operationLine('events:AwsServiceEvent', stops, 'ECS task stops'),
    priceLine('kms: customer managed keys', 'kmsKeyMonths', p.kmsKeys),
    operationLine('kms:GenerateDataKey', cur * p.kmsRequestsPerCurDelivery),
    ...logLines(checks * p.logBytesPerCheck + invocations * p.platformLogBytesPerInvocation, p.logRetentionMonths),
  ];
  return {
    total: sum(lines),
    lines,
    notes: [
      `poll every ${p.pollSeconds} s for ${p.activeHoursPerMonth} h: ${fmtCount(checks)} checks × ` +
        `${p.transitionsPerCheck} transitions and ${p.costExplorerQueriesPerCheck} Cost Explorer ${p.costExplorerQueriesPerCheck === 1 ? 'query' : 'queries'} each`,
      `${fmtCount(cur)} CUR deliveries (1 Cost Explorer query each), ${p.lambdaMemoryMb} MB ${p.architecture} Lambdas`,
    ],
  };
}

export interface ComparisonTitles {
  guardian?: string;
  baseline?: string;
}

/** Both breakdowns as aligned text tables, then the one-line ratio. */
export function renderComparison(
  guardian: CostBreakdown,
  baseline: CostBreakdown,
  titles: ComparisonTitles = {},
): string {
  const g = titles.guardian ?? 'cost guardian (this project), per account per month';
  const b = titles.baseline ?? 'serverless-batch-cost-guardian sample design, per account per month';
  return [renderCostTable(g, guardian), '', renderCostTable(b, baseline), '', ratioLine(guardian, baseline)].join('\n');
}

/** One breakdown as an aligned text table with its total and notes. */
export function renderCostTable(title: string, breakdown: CostBreakdown): string {
  const header = ['item', 'quantity', 'unit', 'price', 'USD/month'];
  const rows = breakdown.lines.map((l) => [l.item, fmtCount(l.quantity), l.unit, fmtPrice(l.price), fmtUsd(l.cost)]);
  const total = ['total', '', '', '', fmtUsd(breakdown.total)];
  const all = [header, ...rows, total];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const rightAligned = new Set([1, 4]);
  const fmtRow = (r: string[]): string =>
    r
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    title,
    fmtRow(header),
    rule,
    ...rows.map(fmtRow),
    rule,
    fmtRow(total),
    ...breakdown.notes.map((n) => `  · ${n}`),
  ].join('\n');
}

/** "guardian $0.02 vs sample design $40.41 per account per month: 2,021× less". */
export function ratioLine(guardian: CostBreakdown, baseline: CostBreakdown): string {
  const head = `guardian ${fmtUsd(guardian.total)} vs sample design ${fmtUsd(baseline.total)} per account per month`;
  if (guardian.total === 0) return baseline.total === 0 ? `${head}: both free` : `${head}: the guardian costs nothing`;
  const ratio = baseline.total / guardian.total;
  if (ratio >= 1) return `${head}: ${fmtRatio(ratio)}× less`;
  return `${head}: ${fmtRatio(1 / ratio)}× more`;
}

function operationLines(groups: { calls: Record<string, number>; times: number; where: string }[]): CostLine[] {
  const quantities = new Map<string, number>();
  for (const { calls, times, where } of groups) {
    for (const [operation, perUnit] of Object.entries(calls)) {
      if (!OPERATIONS[operation]) throw unknownOperation(operation, where);
      assertNonNegative(`${where}['${operation}']`, perUnit);
      quantities.set(operation, (quantities.get(operation) ?? 0) + perUnit * times);
    }
  }
  return [...quantities.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, calls]) => operationLine(operation, calls));
}

function operationLine(operation: string, calls: number, label?: string): CostLine {
  const op = OPERATIONS[operation];
  if (!op) throw unknownOperation(operation, 'a price line');
  const item = label ? `${operation} (${label})` : operation;
  if (op.price === 'free') return { item, quantity: calls, unit: 'calls', unitPrice: 0, price: 'free', cost: 0 };
  return priceLine(item, op.price, calls * op.unitsPerCall);
}

function priceLine(item: string, price: PriceKey, quantity: number): CostLine {
  const each = unitPrice(price);
  return { item, quantity, unit: PRICES[price].unit, unitPrice: each, price, cost: quantity * each };
}

function logLines(bytes: number, retentionMonths: number): CostLine[] {
  const gb = bytes / BYTES_PER_GB;
  return [
    priceLine('logs: ingestion', 'cloudWatchLogsIngestion', gb),
    priceLine(`logs: storage (${retentionMonths} months kept)`, 'cloudWatchLogsStorage', gb * retentionMonths),
  ];
}

function durationPrice(architecture: LambdaArchitecture): PriceKey {
  return architecture === 'arm64' ? 'lambdaDurationArm64' : 'lambdaDurationX86';
}

/** GB-seconds of `invocations` of `ms` each (rounded up to the ms) at `memoryMb`. */
function gbSeconds(invocations: number, ms: number, memoryMb: number): number {
  return (invocations * Math.ceil(ms) * memoryMb) / 1024 / 1000;
}

function sum(lines: CostLine[]): number {
  return lines.reduce((acc, l) => acc + l.cost, 0);
}

function unknownOperation(operation: string, where: string): Error {
  const hint = operation.startsWith('dynamodb:')
    ? " For DynamoDB batches and transactions, record consumed capacity as 'dynamodb:ReadRequestUnits' / 'dynamodb:WriteRequestUnits'."
    : '';
  return new Error(
    `guardian-cost: no price for '${operation}' (in ${where}). Add it to OPERATIONS in bench/guardian-cost.ts with its price and source, or 'free' with the reason.${hint}`,
  );
}

function assertNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`guardian-cost: ${name} must be a finite number ≥ 0, got ${value}`);
  }
}

function assertPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`guardian-cost: ${name} must be a finite number > 0, got ${value}`);
  }
}

function fmtUsd(usd: number): string {
  const digits = usd !== 0 && Math.abs(usd) < 0.01 ? 6 : 4;
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

function fmtPrice(key: PriceKey): string {
  return PRICES[key].label;
}

function fmtCount(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 1 ? 6 : 3 });
}

function fmtRatio(r: number): string {
  return r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(1);
}
