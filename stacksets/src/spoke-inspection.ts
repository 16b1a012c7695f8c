/**
 * What a member account holds of the spoke, read with that account's own credentials: the
 * spoke role, the functions and the EventBridge rules. Used to check a rollout.
 */
import { EventBridgeClient, ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';

export interface SpokeRoleView {
  name: string;
  arn: string;
  trustPolicy: unknown;
  inlinePolicyNames: string[];
}

export interface SpokeFunctionView {
  name: string;
  handler?: string;
  runtime?: string;
  role?: string;
  environmentNames: string[];
  /** Base64 sha256 of the deployment package. */
  codeSha256?: string;
}

export interface SpokeRuleView {
  name: string;
  eventBusName?: string;
  eventPattern?: unknown;
  targets: Array<{ id?: string; arn?: string; roleArn?: string }>;
}

export interface SpokeView {
  accountId: string;
  role?: SpokeRoleView;
  functions: SpokeFunctionView[];
  rules: SpokeRuleView[];
}

/**
 * Credentials of the administrator role Organizations creates in every member account (the role
 * StackSets uses too). On the local cloud moto grants them without a check.
 */
export async function memberAccountCredentials(
  accountId: string,
  region: string,
  roleName = 'OrganizationAccountAccessRole',
): Promise<AwsCredentialIdentity> {
  const sts = new STSClient({ region });
  try {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
        RoleSessionName: `org-budgets-inspect-${accountId}`,
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole into ${accountId} returned no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    };
  } finally {
    sts.destroy();
  }
}

export async function inspectSpoke(
  accountId: string,
  credentials: AwsCredentialIdentity,
  region: string,
  spokeRoleName: string,
): Promise<SpokeView> {
  const iam = new IAMClient({ region, credentials });
  const lambda = new LambdaClient({ region, credentials });
  const events = new EventBridgeClient({ region, credentials });
  try {
    return {
      accountId,
      ...(await readRole(iam, spokeRoleName)),
      functions: await readFunctions(lambda),
      rules: await readRules(events),
    };
  } finally {
    iam.destroy();
    lambda.destroy();
    events.destroy();
  }
}

async function readRole(iam: IAMClient, roleName: string): Promise<{ role?: SpokeRoleView }> {
  try {
    const { Role: role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    if (!role?.RoleName || !role.Arn) return {};
    const { PolicyNames: names } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    const document = role.AssumeRolePolicyDocument ?? '{}';
    return {
      role: {
        name: role.RoleName,
        arn: role.Arn,
        trustPolicy: JSON.parse(
          document.startsWith('%7B') || document.startsWith('%7b') ? decodeURIComponent(document) : document,
        ) as unknown,
        inlinePolicyNames: names ?? [],
      },
    };
  } catch (error) {
    if ((error as Error).name === 'NoSuchEntityException' || (error as Error).name === 'NoSuchEntity') return {};
    throw error;
  }
}

async function readFunctions(lambda: LambdaClient): Promise<SpokeFunctionView[]> {
  const functions: SpokeFunctionView[] = [];
  let marker: string | undefined;
  do {
    const page = await lambda.send(new ListFunctionsCommand({ Marker: marker }));
    for (const f of page.Functions ?? []) {
      if (!f.FunctionName) continue;
      functions.push({
        name: f.FunctionName,
        ...(f.Handler ? { handler: f.Handler } : {}),
        ...(f.Runtime ? { runtime: f.Runtime } : {}),
        ...(f.Role ? { role: f.Role } : {}),
        environmentNames: Object.keys(f.Environment?.Variables ?? {}).sort(),
        ...(f.CodeSha256 ? { codeSha256: f.CodeSha256 } : {}),
      });
    }
    marker = page.NextMarker;
  } while (marker);
  return functions;
}

async function readRules(events: EventBridgeClient): Promise<SpokeRuleView[]> {
  const rules: SpokeRuleView[] = [];
  let nextToken: string | undefined;
  do {
    const page = await events.send(new ListRulesCommand({ NextToken: nextToken }));
    for (const rule of page.Rules ?? []) {
      if (!rule.Name) continue;
      const { Targets: targets } = await events.send(
        new ListTargetsByRuleCommand({ Rule: rule.Name, EventBusName: rule.EventBusName }),
      );
      rules.push({
        name: rule.Name,
        ...(rule.EventBusName ? { eventBusName: rule.EventBusName } : {}),
        ...(rule.EventPattern ? { eventPattern: JSON.parse(rule.EventPattern) as unknown } : {}),
        targets: (targets ?? []).map((t) => ({
          ...(t.Id ? { id: t.Id } : {}),
          ...(t.Arn ? { arn: t.Arn } : {}),
          ...(t.RoleArn ? { roleArn: t.RoleArn } : {}),
        })),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return rules;
}
