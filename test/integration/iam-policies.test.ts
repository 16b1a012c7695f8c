import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * IAM checks on the templates as generated (serverless-compose package, offline): no `*`
 * action, nothing hard-coded, the spoke role's trust, and an evaluation of who may reach a spoke.
 */
const ROOT = resolve(__dirname, '../..');
const STAGE = 'iamcheck';
const REGION = 'us-east-1';
const HUB = '123456789012';
const SPOKE = '111111111111';
const OTHER = '999999999999';
const ORG = 'o-exampleorg1';
const OTHER_ORG = 'o-otherorg999';
const EXTERNAL_ID = `org-budgets-${STAGE}-external-id`;
const ACCESS_ROLE = `arn:aws:iam::${HUB}:role/org-budgets-${STAGE}-${REGION}-spoke-access`;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, Json> }> };

let hub: Template;
let spoke: Template;

beforeAll(() => {
  execFileSync('bash', ['scripts/compose-package.sh', STAGE], {
    cwd: ROOT,
    stdio: 'pipe',
    env: { ...process.env, ORG_BUDGETS_ORGANIZATION_ID: ORG, ORG_BUDGETS_EXTERNAL_ID: EXTERNAL_ID },
  });
  const load = (service: string) =>
    JSON.parse(
      readFileSync(resolve(ROOT, `services/${service}/.serverless/cloudformation-template-update-stack.json`), 'utf8'),
    ) as Template;
  hub = load('hub');
  spoke = load('spoke');
}, 180_000);

/** Resolves the intrinsic functions these templates use, for one account. */
function resolveIn(template: Template, accountId: string, value: Json): Json {
  const roleArn = (logicalId: string) => {
    const name = template.Resources[logicalId]?.Properties?.['RoleName'];
    return `arn:aws:iam::${accountId}:role/${typeof name === 'string' ? name : logicalId}`;
  };
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::AccountId': accountId,
  };
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    if ('Ref' in v && typeof v['Ref'] === 'string') return pseudo[v['Ref']] ?? `ref:${v['Ref']}`;
    if ('Fn::Sub' in v && typeof v['Fn::Sub'] === 'string') {
      return v['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudo[name] ?? `ref:${name}`);
    }
    if ('Fn::GetAtt' in v && Array.isArray(v['Fn::GetAtt'])) {
      const [logicalId, attribute] = v['Fn::GetAtt'] as string[];
      return attribute === 'Arn' && template.Resources[logicalId ?? '']?.Type === 'AWS::IAM::Role'
        ? roleArn(logicalId ?? '')
        : `getatt:${logicalId}.${attribute}`;
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  return walk(value);
}

function role(template: Template, logicalId: string, accountId: string) {
  const properties = template.Resources[logicalId]?.Properties;
  if (!properties) throw new Error(`no role ${logicalId}`);
  const resolved = resolveIn(template, accountId, properties) as {
    AssumeRolePolicyDocument: Json;
    Policies: { PolicyName: string; PolicyDocument: Json }[];
  };
  return {
    trust: resolved.AssumeRolePolicyDocument,
    policies: resolved.Policies.map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument })),
  };
}

function policyDocuments(template: Template): { where: string; document: Json }[] {
  const found: { where: string; document: Json }[] = [];
  const walk = (v: Json, where: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') {
      if ('Statement' in v) found.push({ where, document: v });
      for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
    }
  };
  for (const [id, resource] of Object.entries(template.Resources)) walk(resource.Properties ?? {}, id);
  return found;
}

async function decide(simulation: Omit<Simulation, 'serviceControlPolicies' | 'resourceControlPolicies'>) {
  const result = await runSimulation({ ...simulation, serviceControlPolicies: [], resourceControlPolicies: [] }, {});
  if (result.resultType === 'error') throw new Error(`simulation error: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

describe('IAM in the generated templates', () => {
  // Deny statements are left out: the Serverless deployment bucket's own policy denies `s3:*`
  // over plain HTTP, which only takes access away.
  it('grants no `*` action in any policy of hub or spoke', () => {
    const wildcards: string[] = [];
    for (const template of [hub, spoke]) {
      for (const { where, document } of policyDocuments(template)) {
        const statements = (document as { Statement: Json }).Statement;
        for (const statement of Array.isArray(statements) ? statements : [statements]) {
          if ((statement as { Effect?: Json }).Effect === 'Deny') continue;
          const actions =
            (statement as { Action?: Json; NotAction?: Json }).Action ?? (statement as { NotAction?: Json }).NotAction;
          for (const action of Array.isArray(actions) ? actions : [actions]) {
            if (typeof action === 'string' && (action === '*' || action.endsWith(':*')))
              wildcards.push(`${where}: ${action}`);
          }
        }
      }
    }
    expect(policyDocuments(hub).length).toBeGreaterThan(5);
    expect(wildcards).toEqual([]);
  });

  it('hard-codes no partition, account or region in the service definitions', () => {
    for (const service of ['hub', 'spoke']) {
      const source = readFileSync(resolve(ROOT, `services/${service}/serverless.yml`), 'utf8');
      expect({ service, arns: source.match(/arn:aws[\w-]*:/g) ?? [] }).toEqual({ service, arns: [] });
      expect({ service, accounts: source.match(/\b\d{12}\b/g) ?? [] }).toEqual({ service, accounts: [] });
      expect({ service, regions: source.match(/:(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d:/g) ?? [] }).toEqual({
        service,
        regions: [],
      });
    }
  });

  it('lets propagate-budget-edits write the edit history and record-spoke-status write deletion outcomes; nobody else touches it', () => {
    const touching: string[] = [];
    for (const [logicalId, resource] of Object.entries(hub.Resources)) {
      if (resource.Type !== 'AWS::IAM::Role' || !resource.Properties?.['Policies']) continue;
      for (const { policy } of role(hub, logicalId, HUB).policies) {
        const statements = (policy as { Statement: Json[] }).Statement;
        for (const statement of statements as { Action: Json; Resource: Json }[]) {
          const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
          if (resources.some((r) => typeof r === 'string' && r.startsWith('getatt:HistoryTable.')))
            touching.push(`${logicalId}: ${JSON.stringify(statement.Action)}`);
        }
      }
    }

    expect(touching).toEqual([
      'RecordSpokeStatusRole: "dynamodb:Query"',
      'RecordSpokeStatusRole: "dynamodb:UpdateItem"',
      'PropagateBudgetEditsRole: "dynamodb:UpdateItem"',
    ]);
  });

  describe('what record-spoke-status may do to the edit history (policy evaluation)', () => {
    const historyArn = `arn:aws:dynamodb:${REGION}:${HUB}:table/org-budgets-${STAGE}-history`;
    const request = (action: string, attributes: string[], extra: Record<string, string> = {}) => {
      const record = role(hub, 'RecordSpokeStatusRole', HUB);
      // The templates' GetAtt of the history table, as the ARN it resolves to.
      const policies = JSON.parse(
        JSON.stringify(record.policies).replaceAll('"getatt:HistoryTable.Arn"', JSON.stringify(historyArn)),
      ) as typeof record.policies;
      return decide({
        identityPolicies: policies,
        request: {
          principal: `arn:aws:iam::${HUB}:role/RecordSpokeStatusRole`,
          action,
          resource: { resource: historyArn, accountId: HUB },
          contextVariables: { 'dynamodb:Attributes': attributes, ...extra },
        },
      });
    };

    it('may write the outcome of an entry, and find entries by their key and kind', async () => {
      expect(await request('dynamodb:UpdateItem', ['itemKey', 'revision', 'outcome'])).toBe('Allowed');
      expect(
        await request('dynamodb:Query', ['itemKey', 'revision', 'kind'], { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' }),
      ).toBe('Allowed');
    });

    it('may not write anything else of an entry, read whole entries, or put or delete one', async () => {
      expect(await request('dynamodb:UpdateItem', ['itemKey', 'revision', 'kind'])).not.toBe('Allowed');
      expect(await request('dynamodb:UpdateItem', ['itemKey', 'revision', 'changes'])).not.toBe('Allowed');
      expect(
        await request('dynamodb:Query', ['itemKey', 'revision', 'kind'], { 'dynamodb:Select': 'ALL_ATTRIBUTES' }),
      ).not.toBe('Allowed');
      expect(await request('dynamodb:Query', ['itemKey', 'revision', 'outcome'])).not.toBe('Allowed');
      expect(await request('dynamodb:PutItem', ['itemKey', 'revision', 'outcome'])).not.toBe('Allowed');
      expect(await request('dynamodb:DeleteItem', ['itemKey', 'revision'])).not.toBe('Allowed');
    });
  });

  it('lets the spoke role trust only the hub propagation role, with the ExternalId and the organization', () => {
    const { trust } = role(spoke, 'SpokeRole', SPOKE);

    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'HubPropagationRoleOnly',
          Effect: 'Allow',
          Principal: { AWS: ACCESS_ROLE },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID, 'aws:PrincipalOrgID': ORG } },
        },
      ],
    });
  });

  describe('who may reach a spoke (policy evaluation)', () => {
    const spokeRoleArn = `arn:aws:iam::${SPOKE}:role/org-budgets-spoke`;
    // compose-package passes the hub's spoke access role ARN to the spoke, as a deployment does.
    const spokeTrust = () => role(spoke, 'SpokeRole', SPOKE).trust;

    it('lets propagate-budget-edits assume the spoke access role', async () => {
      const propagate = role(hub, 'PropagateBudgetEditsRole', HUB);
      const access = role(hub, 'SpokeAccessRole', HUB);

      const decision = await decide({
        identityPolicies: propagate.policies,
        resourcePolicy: access.trust,
        request: {
          principal: `arn:aws:iam::${HUB}:role/PropagateBudgetEditsRole`,
          action: 'sts:AssumeRole',
          resource: { resource: ACCESS_ROLE, accountId: HUB },
          contextVariables: { 'aws:PrincipalArn': `arn:aws:iam::${HUB}:role/PropagateBudgetEditsRole` },
        },
      });

      expect(decision).toBe('Allowed');
    });

    it('does not let another hub function (record-spoke-status) assume it', async () => {
      const record = role(hub, 'RecordSpokeStatusRole', HUB);
      const access = role(hub, 'SpokeAccessRole', HUB);

      const decision = await decide({
        identityPolicies: [
          ...record.policies,
          {
            name: 'admin-like',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ACCESS_ROLE }],
            },
          },
        ],
        resourcePolicy: access.trust,
        request: {
          principal: `arn:aws:iam::${HUB}:role/RecordSpokeStatusRole`,
          action: 'sts:AssumeRole',
          resource: { resource: ACCESS_ROLE, accountId: HUB },
          contextVariables: { 'aws:PrincipalArn': `arn:aws:iam::${HUB}:role/RecordSpokeStatusRole` },
        },
      });

      expect(decision).not.toBe('Allowed');
    });

    it('lets the hub propagation role assume the spoke role inside the organization, with the ExternalId', async () => {
      const access = role(hub, 'SpokeAccessRole', HUB);

      const decision = await decide({
        identityPolicies: access.policies,
        resourcePolicy: spokeTrust(),
        request: {
          principal: ACCESS_ROLE,
          action: 'sts:AssumeRole',
          resource: { resource: spokeRoleArn, accountId: SPOKE },
          contextVariables: { 'sts:ExternalId': EXTERNAL_ID, 'aws:PrincipalOrgID': ORG, 'aws:ResourceOrgID': ORG },
        },
      });

      expect(decision).toBe('Allowed');
    });

    it('refuses the hub propagation role without the ExternalId', async () => {
      const access = role(hub, 'SpokeAccessRole', HUB);

      const decision = await decide({
        identityPolicies: access.policies,
        resourcePolicy: spokeTrust(),
        request: {
          principal: ACCESS_ROLE,
          action: 'sts:AssumeRole',
          resource: { resource: spokeRoleArn, accountId: SPOKE },
          contextVariables: { 'aws:PrincipalOrgID': ORG, 'aws:ResourceOrgID': ORG },
        },
      });

      expect(decision).not.toBe('Allowed');
    });

    it('refuses a role of another account, even one that may assume anything', async () => {
      const decision = await decide({
        identityPolicies: [
          {
            name: 'anything',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
            },
          },
        ],
        resourcePolicy: spokeTrust(),
        request: {
          principal: `arn:aws:iam::${OTHER}:role/intruder`,
          action: 'sts:AssumeRole',
          resource: { resource: spokeRoleArn, accountId: SPOKE },
          contextVariables: {
            'sts:ExternalId': EXTERNAL_ID,
            'aws:PrincipalOrgID': OTHER_ORG,
            'aws:ResourceOrgID': ORG,
          },
        },
      });

      expect(decision).not.toBe('Allowed');
    });

    it('does not let the hub propagation role into an account outside the organization', async () => {
      const access = role(hub, 'SpokeAccessRole', HUB);
      const outsider = `arn:aws:iam::${OTHER}:role/org-budgets-spoke`;

      const decision = await decide({
        identityPolicies: access.policies,
        resourcePolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: ACCESS_ROLE }, Action: 'sts:AssumeRole' }],
        },
        request: {
          principal: ACCESS_ROLE,
          action: 'sts:AssumeRole',
          resource: { resource: outsider, accountId: OTHER },
          contextVariables: { 'aws:PrincipalOrgID': ORG, 'aws:ResourceOrgID': OTHER_ORG },
        },
      });

      expect(decision).not.toBe('Allowed');
    });

    it('lets the spoke role write budget parameters and nothing else', async () => {
      const spokeRole = role(spoke, 'SpokeRole', SPOKE);
      const put = (name: string) =>
        decide({
          identityPolicies: spokeRole.policies,
          request: {
            principal: spokeRoleArn,
            action: 'ssm:PutParameter',
            resource: { resource: `arn:aws:ssm:${REGION}:${SPOKE}:parameter${name}`, accountId: SPOKE },
            contextVariables: {},
          },
        });

      expect(await put('/org-budgets/budgets/research')).toBe('Allowed');
      expect(await put('/finance/secret')).not.toBe('Allowed');
    });
  });

  describe('the cost guardian (policy evaluation)', () => {
    const queueArn = (name: string) => `arn:aws:batch:${REGION}:${SPOKE}:job-queue/${name}`;

    it('lets enforce-spend change only job queues tagged org-budgets:guard=true', async () => {
      const enforce = role(spoke, 'EnforceSpendRole', SPOKE);
      const update = (tags: Record<string, string>) =>
        decide({
          identityPolicies: enforce.policies,
          request: {
            principal: `arn:aws:iam::${SPOKE}:role/EnforceSpendRole`,
            action: 'batch:UpdateJobQueue',
            resource: { resource: queueArn('research-a'), accountId: SPOKE },
            contextVariables: Object.fromEntries(
              Object.entries(tags).map(([key, value]) => [`aws:ResourceTag/${key}`, value]),
            ),
          },
        });

      expect(await update({ 'org-budgets:guard': 'true' })).toBe('Allowed');
      expect(await update({ team: 'ops' })).not.toBe('Allowed');
      expect(await update({ 'org-budgets:guard': 'false' })).not.toBe('Allowed');
    });

    it('lets track-batch-jobs write job items of the ledger and nothing else', async () => {
      const track = role(spoke, 'TrackBatchJobsRole', SPOKE);
      const tableArn = `arn:aws:dynamodb:${REGION}:${SPOKE}:table/ledger`;
      const put = (leadingKey: string) =>
        decide({
          identityPolicies: JSON.parse(
            JSON.stringify(track.policies).replaceAll('getatt:GuardianLedgerTable.Arn', tableArn),
          ) as typeof track.policies,
          request: {
            principal: `arn:aws:iam::${SPOKE}:role/TrackBatchJobsRole`,
            action: 'dynamodb:PutItem',
            resource: { resource: tableArn, accountId: SPOKE },
            contextVariables: { 'dynamodb:LeadingKeys': [leadingKey] },
          },
        });

      expect(await put('JOB#4c7599ae-0a82-49aa-ba5a-4727fcce14a8')).toBe('Allowed');
      expect(await put('BUDGET#research')).not.toBe('Allowed');
    });

    it('lets track-batch-jobs read the watches and claim a check, and change no other item', async () => {
      const track = role(spoke, 'TrackBatchJobsRole', SPOKE);
      const tableArn = `arn:aws:dynamodb:${REGION}:${SPOKE}:table/ledger`;
      const call = (action: string, leadingKey: string) =>
        decide({
          identityPolicies: JSON.parse(
            JSON.stringify(track.policies).replaceAll('getatt:GuardianLedgerTable.Arn', tableArn),
          ) as typeof track.policies,
          request: {
            principal: `arn:aws:iam::${SPOKE}:role/TrackBatchJobsRole`,
            action,
            resource: { resource: tableArn, accountId: SPOKE },
            contextVariables: { 'dynamodb:LeadingKeys': [leadingKey] },
          },
        });

      expect(await call('dynamodb:GetItem', 'GUARDIAN#WATCH')).toBe('Allowed');
      expect(await call('dynamodb:UpdateItem', 'GUARDIAN#WATCH')).toBe('Allowed');
      expect(await call('dynamodb:UpdateItem', 'BUDGET#research')).not.toBe('Allowed');
      expect(await call('dynamodb:UpdateItem', 'JOB#4c7599ae-0a82-49aa-ba5a-4727fcce14a8')).not.toBe('Allowed');
      expect(await call('dynamodb:PutItem', 'GUARDIAN#WATCH')).not.toBe('Allowed');
    });

    it('does not let track-batch-jobs change queues or stop jobs', async () => {
      const track = role(spoke, 'TrackBatchJobsRole', SPOKE);
      for (const [action, resource] of [
        ['batch:UpdateJobQueue', queueArn('research-a')],
        ['batch:TerminateJob', `arn:aws:batch:${REGION}:${SPOKE}:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8`],
      ] as const) {
        const decision = await decide({
          identityPolicies: track.policies,
          request: {
            principal: `arn:aws:iam::${SPOKE}:role/TrackBatchJobsRole`,
            action,
            resource: { resource, accountId: SPOKE },
            contextVariables: { 'aws:ResourceTag/org-budgets:guard': 'true' },
          },
        });
        expect(decision).not.toBe('Allowed');
      }
    });

    describe("the guardian's checks (asynchronous invocations and one-time schedules)", () => {
      const enforceSpendArn = `arn:aws:lambda:${REGION}:${SPOKE}:function:org-budgets-spoke-${STAGE}-enforceSpend`;
      const otherFunctionArn = `arn:aws:lambda:${REGION}:${SPOKE}:function:org-budgets-spoke-${STAGE}-applyBudget`;
      const delayArn = `arn:aws:lambda:${REGION}:${SPOKE}:function:org-budgets-spoke-${STAGE}-delayGuardianCheck`;
      const withFunction = <T>(policies: T): T =>
        JSON.parse(JSON.stringify(policies).replaceAll('getatt:EnforceSpendLambdaFunction.Arn', enforceSpendArn)) as T;
      const invoke = (roleId: string, resource: string) =>
        decide({
          identityPolicies: withFunction(role(spoke, roleId, SPOKE).policies),
          request: {
            principal: `arn:aws:iam::${SPOKE}:role/${roleId}`,
            action: 'lambda:InvokeFunction',
            resource: { resource, accountId: SPOKE },
            contextVariables: {},
          },
        });

      it('lets each part of a check invoke only the next: enforce-spend or delay-guardian-check, no other function', async () => {
        const may: Record<string, string[]> = {
          TrackBatchJobsRole: [enforceSpendArn, delayArn],
          EnforceSpendRole: [enforceSpendArn, delayArn],
          GuardianCheckSchedulerRole: [delayArn],
          DelayGuardianCheckRole: [enforceSpendArn],
        };
        for (const [roleId, allowed] of Object.entries(may)) {
          for (const target of [enforceSpendArn, delayArn, otherFunctionArn]) {
            const decision = await invoke(roleId, target);
            expect(`${roleId} → ${target}: ${decision}`).toBe(
              `${roleId} → ${target}: ${allowed.includes(target) ? 'Allowed' : decision === 'Allowed' ? 'not Allowed' : decision}`,
            );
          }
        }
      });

      it('lets enforce-spend create only its check schedules, and pass them only the scheduler role', async () => {
        const enforce = role(spoke, 'EnforceSpendRole', SPOKE);
        const schedulerRoleArn = `arn:aws:iam::${SPOKE}:role/GuardianCheckSchedulerRole`;
        const call = (action: string, resource: string, contextVariables: Record<string, string> = {}) =>
          decide({
            identityPolicies: enforce.policies,
            request: {
              principal: `arn:aws:iam::${SPOKE}:role/EnforceSpendRole`,
              action,
              resource: { resource, accountId: SPOKE },
              contextVariables,
            },
          });
        const schedule = (name: string) => `arn:aws:scheduler:${REGION}:${SPOKE}:schedule/default/${name}`;

        expect(
          await call('scheduler:CreateSchedule', schedule(`org-budgets-${STAGE}-check-0a1b2c3d4e5f-1796292000`)),
        ).toBe('Allowed');
        expect(await call('scheduler:CreateSchedule', schedule('nightly-backup'))).not.toBe('Allowed');
        expect(await call('scheduler:DeleteSchedule', schedule(`org-budgets-${STAGE}-check-x`))).not.toBe('Allowed');
        const passedTo = { 'iam:PassedToService': 'scheduler.amazonaws.com' };
        expect(await call('iam:PassRole', schedulerRoleArn, passedTo)).toBe('Allowed');
        expect(
          await call('iam:PassRole', schedulerRoleArn, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
        ).not.toBe('Allowed');
        expect(await call('iam:PassRole', `arn:aws:iam::${SPOKE}:role/EnforceSpendRole`, passedTo)).not.toBe('Allowed');
      });

      it('lets only EventBridge Scheduler of the same account assume the scheduler role', () => {
        const { trust } = role(spoke, 'GuardianCheckSchedulerRole', SPOKE);
        expect(trust).toEqual({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:SourceAccount': SPOKE } },
            },
          ],
        });
      });
    });

    describe('release-guardian-queues (the removal custom resource)', () => {
      const principal = `arn:aws:iam::${SPOKE}:role/ReleaseGuardianQueuesRole`;
      const tableArn = `arn:aws:dynamodb:${REGION}:${SPOKE}:table/ledger`;
      const stackId = `arn:aws:cloudformation:${REGION}:${SPOKE}:stack/org-budgets-spoke-${STAGE}/3b8a0f10-0000-4000-8000-00000000abcd`;
      const policies = () => {
        const release = role(spoke, 'ReleaseGuardianQueuesRole', SPOKE);
        return JSON.parse(
          JSON.stringify(release.policies)
            .replaceAll('getatt:GuardianLedgerTable.Arn', tableArn)
            .replaceAll('ref:GuardianLedgerTable.Arn', tableArn) // in a Fn::Sub
            .replaceAll('ref:AWS::StackId', stackId),
        ) as typeof release.policies;
      };
      const allowed = (action: string, resource: string, contextVariables: Record<string, string | string[]> = {}) =>
        decide({
          identityPolicies: policies(),
          request: { principal, action, resource: { resource, accountId: SPOKE }, contextVariables },
        });

      it('re-enables only job queues tagged org-budgets:guard=true', async () => {
        const tagged = { 'aws:ResourceTag/org-budgets:guard': 'true' };
        expect(await allowed('batch:UpdateJobQueue', queueArn('research-a'), tagged)).toBe('Allowed');
        expect(await allowed('batch:UpdateJobQueue', queueArn('ops'), { 'aws:ResourceTag/team': 'ops' })).not.toBe(
          'Allowed',
        );
        expect(await allowed('batch:TerminateJob', `arn:aws:batch:${REGION}:${SPOKE}:job/4c7599ae`, tagged)).not.toBe(
          'Allowed',
        );
      });

      it('writes the guardian states and runs of the ledger, not its job items', async () => {
        expect(await allowed('dynamodb:PutItem', tableArn, { 'dynamodb:LeadingKeys': ['BUDGET#batch-grant'] })).toBe(
          'Allowed',
        );
        expect(await allowed('dynamodb:PutItem', tableArn, { 'dynamodb:LeadingKeys': ['JOB#4c7599ae'] })).not.toBe(
          'Allowed',
        );
        expect(await allowed('dynamodb:Query', `${tableArn}/index/byActivity`)).toBe('Allowed');
        expect(await allowed('dynamodb:DeleteItem', tableArn, { 'dynamodb:LeadingKeys': ['BUDGET#x'] })).not.toBe(
          'Allowed',
        );
      });

      it('reads the status of its own stack and of no other', async () => {
        expect(await allowed('cloudformation:DescribeStacks', stackId)).toBe('Allowed');
        expect(
          await allowed(
            'cloudformation:DescribeStacks',
            `arn:aws:cloudformation:${REGION}:${SPOKE}:stack/other-stack/3b8a0f10-0000-4000-8000-00000000ffff`,
          ),
        ).not.toBe('Allowed');
      });
    });
  });

  describe('lockdowns: the hub manages only its own service control policies (policy evaluation)', () => {
    const ownPolicy = `arn:aws:organizations::${HUB}:policy/${ORG}/service_control_policy/p-lockdown1`;
    const memberAccount = `arn:aws:organizations::${HUB}:account/${ORG}/${SPOKE}`;
    const tableArn = `arn:aws:dynamodb:${REGION}:${HUB}:table/org-budgets-${STAGE}`;
    const asFunction = (
      logicalId: string,
      action: string,
      resource: string,
      context: Record<string, string | string[]> = {},
    ) =>
      decide({
        identityPolicies: JSON.parse(
          JSON.stringify(role(hub, logicalId, HUB).policies).replaceAll('getatt:BudgetsTable.Arn', tableArn),
        ) as ReturnType<typeof role>['policies'],
        request: {
          principal: `arn:aws:iam::${HUB}:role/${logicalId}`,
          action,
          resource: { resource, accountId: HUB },
          contextVariables: context,
        },
      });
    const managed = { 'aws:ResourceTag/org-budgets:managed': 'true' };

    it('lets record-budget-spend attach and detach policies tagged org-budgets:managed=true, to accounts of the organization', async () => {
      for (const action of ['organizations:AttachPolicy', 'organizations:DetachPolicy']) {
        expect(await asFunction('RecordBudgetSpendRole', action, ownPolicy, managed)).toBe('Allowed');
        expect(await asFunction('RecordBudgetSpendRole', action, memberAccount)).toBe('Allowed');
      }
    });

    it('refuses it any policy without the tag (an administrator’s SCP)', async () => {
      for (const action of [
        'organizations:AttachPolicy',
        'organizations:DetachPolicy',
        'organizations:UpdatePolicy',
        'organizations:DeletePolicy',
      ]) {
        expect(await asFunction('RecordBudgetSpendRole', action, ownPolicy)).not.toBe('Allowed');
        expect(
          await asFunction('RecordBudgetSpendRole', action, ownPolicy, {
            'aws:ResourceTag/org-budgets:managed': 'false',
          }),
        ).not.toBe('Allowed');
      }
      // An administrator's own SCP, tagged otherwise.
      const theirs = `arn:aws:organizations::${HUB}:policy/${ORG}/service_control_policy/p-guardrails`;
      expect(
        await asFunction('RecordBudgetSpendRole', 'organizations:DetachPolicy', theirs, {
          'aws:ResourceTag/team': 'security',
        }),
      ).not.toBe('Allowed');
    });

    it('lets record-budget-spend list the policies of the organization’s accounts only (to find what locks one)', async () => {
      const action = 'organizations:ListPoliciesForTarget';
      expect(await asFunction('RecordBudgetSpendRole', action, memberAccount)).toBe('Allowed');
      const foreign = `arn:aws:organizations::${HUB}:account/${OTHER_ORG}/${OTHER}`;
      const ou = `arn:aws:organizations::${HUB}:ou/${ORG}/ou-abcd-12345678`;
      for (const target of [foreign, ou]) {
        expect(await asFunction('RecordBudgetSpendRole', action, target)).not.toBe('Allowed');
      }
    });

    it('refuses it targets outside the organization, OUs and the root', async () => {
      const foreign = `arn:aws:organizations::${HUB}:account/${OTHER_ORG}/${OTHER}`;
      const ou = `arn:aws:organizations::${HUB}:ou/${ORG}/ou-abcd-12345678`;
      const root = `arn:aws:organizations::${HUB}:root/${ORG}/r-abcd`;
      for (const target of [foreign, ou, root]) {
        expect(await asFunction('RecordBudgetSpendRole', 'organizations:AttachPolicy', target)).not.toBe('Allowed');
      }
    });

    it('lets it create only service control policies tagged as its own', async () => {
      const create = (context: Record<string, string>) =>
        asFunction('RecordBudgetSpendRole', 'organizations:CreatePolicy', '*', context);
      expect(
        await create({
          'aws:RequestTag/org-budgets:managed': 'true',
          'organizations:PolicyType': 'SERVICE_CONTROL_POLICY',
        }),
      ).toBe('Allowed');
      expect(await create({ 'organizations:PolicyType': 'SERVICE_CONTROL_POLICY' })).not.toBe('Allowed');
      expect(
        await create({
          'aws:RequestTag/org-budgets:managed': 'true',
          'organizations:PolicyType': 'RESOURCE_CONTROL_POLICY',
        }),
      ).not.toBe('Allowed');
    });

    it('lets it tag nothing (so it cannot make another policy its own) and gives no other hub function any of this', async () => {
      expect(await asFunction('RecordBudgetSpendRole', 'organizations:TagResource', ownPolicy, managed)).not.toBe(
        'Allowed',
      );
      for (const other of ['RecordSpokeStatusRole', 'ReconcileBudgetsRole', 'PropagateBudgetEditsRole']) {
        expect(await asFunction(other, 'organizations:AttachPolicy', ownPolicy, managed)).not.toBe('Allowed');
      }
    });

    it('lets it write only the spend, state and lockdown attributes of items', async () => {
      const update = (attributes: string[]) =>
        asFunction('RecordBudgetSpendRole', 'dynamodb:UpdateItem', tableArn, { 'dynamodb:Attributes': attributes });
      expect(await update(['accountId', 'budgetName', 'spend', 'state', 'stateDetail', 'lockdownStatus'])).toBe(
        'Allowed',
      );
      expect(await update(['accountId', 'budgetName', 'amount'])).not.toBe('Allowed');
      expect(await update(['accountId', 'budgetName', 'sync'])).not.toBe('Allowed');
    });

    it('lets record-spoke-status write only the status and a held report; propagate also what it delivered', async () => {
      const update = (role: string, attributes: string[]) =>
        asFunction(role, 'dynamodb:UpdateItem', tableArn, { 'dynamodb:Attributes': attributes });
      expect(await update('RecordSpokeStatusRole', ['accountId', 'budgetName', 'sync', 'earlyReport'])).toBe('Allowed');
      expect(await update('RecordSpokeStatusRole', ['accountId', 'budgetName', 'delivered'])).not.toBe('Allowed');
      expect(await update('RecordSpokeStatusRole', ['accountId', 'budgetName', 'amount'])).not.toBe('Allowed');
      expect(
        await update('PropagateBudgetEditsRole', ['accountId', 'budgetName', 'sync', 'delivered', 'earlyReport']),
      ).toBe('Allowed');
      expect(await update('PropagateBudgetEditsRole', ['accountId', 'budgetName', 'amount'])).not.toBe('Allowed');
    });
  });

  describe('who may report to the hub (status bus policy evaluation)', () => {
    const busArn = `arn:aws:events:${REGION}:${HUB}:event-bus/org-budgets-${STAGE}-status`;
    const forwarder = `arn:aws:iam::${SPOKE}:role/org-budgets-spoke-forwarder`;
    const busPolicy = (logicalId: string): Json => {
      const statement = resolveIn(hub, HUB, hub.Resources[logicalId]?.Properties?.['Statement'] ?? null);
      return JSON.parse(
        JSON.stringify({ Version: '2012-10-17', Statement: [statement] }).replaceAll('getatt:StatusBus.Arn', busArn),
      ) as Json;
    };
    const putEvents = (
      principal: string,
      context: { source: string; detailType: string; orgId?: string },
      policy = 'StatusBusPolicy',
    ) =>
      decide({
        identityPolicies: [
          {
            name: 'put-anything',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }],
            },
          },
        ],
        resourcePolicy: busPolicy(policy) as never,
        request: {
          principal,
          action: 'events:PutEvents',
          resource: { resource: busArn, accountId: HUB },
          contextVariables: {
            'aws:PrincipalOrgID': context.orgId ?? ORG,
            'events:source': [context.source],
            'events:detail-type': [context.detailType],
            'aws:PrincipalArn': principal,
          },
        },
      });
    const report = { source: 'org-budgets.spoke', detailType: 'Budget Apply Status' };

    it('lets a spoke’s forwarding role put status reports', async () => {
      expect(await putEvents(forwarder, report)).toBe('Allowed');
    });

    it('refuses any other role of the member account, whatever it may do at home', async () => {
      expect(await putEvents(`arn:aws:iam::${SPOKE}:role/Admin`, report)).not.toBe('Allowed');
    });

    it('refuses other sources and detail types from the forwarding role', async () => {
      expect(await putEvents(forwarder, { source: 'org-budgets.hub', detailType: 'Budget Apply Status' })).not.toBe(
        'Allowed',
      );
      expect(await putEvents(forwarder, { source: 'org-budgets.spoke', detailType: 'Anything' })).not.toBe('Allowed');
    });

    it('refuses a forwarding role of an account outside the organization', async () => {
      expect(
        await putEvents(`arn:aws:iam::${OTHER}:role/org-budgets-spoke-forwarder`, { ...report, orgId: OTHER_ORG }),
      ).not.toBe('Allowed');
    });

    it('lets the forwarding role pass on the spoke’s alarm state changes, and nothing else of aws.cloudwatch', async () => {
      const alarm = { source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change' };
      expect(await putEvents(forwarder, alarm, 'StatusBusAlarmsPolicy')).toBe('Allowed');
      expect(await putEvents(forwarder, { ...alarm, detailType: 'Anything' }, 'StatusBusAlarmsPolicy')).not.toBe(
        'Allowed',
      );
      expect(await putEvents(`arn:aws:iam::${SPOKE}:role/Admin`, alarm, 'StatusBusAlarmsPolicy')).not.toBe('Allowed');
    });
  });

  describe('who may put status reports on a spoke’s default bus (policy evaluation)', () => {
    const busArn = `arn:aws:events:${REGION}:${SPOKE}:event-bus/default`;
    const applyBudgetRole = `arn:aws:iam::${SPOKE}:role/ApplyBudgetRole`;
    const putEvents = (principal: string, source: string) =>
      decide({
        identityPolicies: [
          {
            name: 'put-anything',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }],
            },
          },
        ],
        resourcePolicy: {
          Version: '2012-10-17',
          Statement: [
            resolveIn(spoke, SPOKE, spoke.Resources['SpokeStatusSenderPolicy']?.Properties?.['Statement'] ?? null),
          ],
        } as never,
        request: {
          principal,
          action: 'events:PutEvents',
          resource: { resource: busArn, accountId: SPOKE },
          contextVariables: { 'events:source': [source], 'aws:PrincipalArn': principal },
        },
      });

    it('lets apply-budget’s role send status reports', async () => {
      expect(await putEvents(applyBudgetRole, 'org-budgets.spoke')).toBe('Allowed');
    });

    it('denies status reports from any other principal of the account, even one allowed everything', async () => {
      expect(await putEvents(`arn:aws:iam::${SPOKE}:role/Admin`, 'org-budgets.spoke')).toBe('ExplicitlyDenied');
    });

    it('leaves the account’s other events alone', async () => {
      expect(await putEvents(`arn:aws:iam::${SPOKE}:role/Admin`, 'com.example.orders')).toBe('Allowed');
    });
  });
});
