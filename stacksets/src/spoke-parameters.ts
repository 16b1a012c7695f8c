import type { CfnParameter } from './template';

/**
 * The StackSet template's parameters. The spoke service takes its settings as Serverless
 * `${param:…}`; in a StackSet every account gets the same template, so each becomes a
 * CloudFormation parameter, plus where the function code lies.
 */
export const STACKSET_PARAMETERS = {
  HubAccountId: {
    Type: 'String',
    Description: 'The management (hub) account the spoke trusts; the two ARNs below must be in it',
    AllowedPattern: '^\\d{12}$',
    ConstraintDescription: 'must be a 12-digit account id',
  },
  HubPropagationRoleArn: {
    Type: 'String',
    Description: "The hub role that writes budget parameters (the hub stack's PropagationRoleArn output)",
    AllowedPattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$',
    ConstraintDescription: 'must be an IAM role ARN',
  },
  SpokeExternalId: {
    Type: 'String',
    Description: 'ExternalId the hub passes when it assumes the spoke role (the hub parameter spokeExternalId)',
    NoEcho: true,
    MinLength: 2,
    MaxLength: 1224,
    AllowedPattern: '^[\\w+=,.@:/-]+$',
    ConstraintDescription: 'must be 2 to 1224 of the characters A-Za-z0-9_+=,.@:/-',
  },
  OrganizationId: {
    Type: 'String',
    Description: 'The AWS Organization (o-…) the hub role must belong to',
    AllowedPattern: '^o-[a-z0-9]{10,32}$',
    ConstraintDescription: 'must be an organization id, o- and 10 to 32 lowercase letters or digits',
  },
  HubStatusBusArn: {
    Type: 'String',
    Description: "The hub's status event bus (the hub stack's StatusBusArn output)",
    AllowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[\\w.-]+$',
    ConstraintDescription: 'must be an EventBridge event bus ARN',
  },
  AlertEmail: {
    Type: 'String',
    Description: "Email address subscribed to this account's budget alerts topic; empty for none",
    Default: '',
    AllowedPattern: '^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
    ConstraintDescription: 'must be an email address or empty',
  },
  SpokeRoleName: {
    Type: 'String',
    Description: 'Name of the role the hub assumes in this account (the hub parameter spokeRoleName)',
    Default: 'org-budgets-spoke',
    AllowedPattern: '^[\\w+=,.@-]{1,64}$',
    ConstraintDescription: 'must be an IAM role name',
  },
  GuardianSchedule: {
    Type: 'String',
    Description:
      'How often the cost guardian checks every budget of the account (an EventBridge rate or cron expression)',
    Default: 'rate(5 minutes)',
    AllowedPattern: '^(rate\\(\\d+ (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$',
    ConstraintDescription: 'must be a schedule expression such as rate(5 minutes)',
  },
  GuardianPrices: {
    Type: 'String',
    Description: "Price overrides of the cost guardian's model, JSON (see the README); empty for the defaults",
    Default: '',
    MaxLength: 4096,
  },
  ArtifactBucketPrefix: {
    Type: 'String',
    Description:
      'The function code lies in the bucket <prefix>-<region> of the management account, readable by the organization',
    AllowedPattern: '^[a-z0-9][a-z0-9.-]{1,46}$',
    ConstraintDescription: 'must be the start of an S3 bucket name (3 to 47 lowercase letters, digits, dots, hyphens)',
  },
  ArtifactKeyPrefix: {
    Type: 'String',
    Description: 'Key prefix of this build of the function code (content-addressed: it changes whenever the code does)',
    AllowedPattern: "^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$",
    ConstraintDescription: 'must be an S3 key prefix without a leading or trailing slash',
  },
} as const satisfies Record<string, CfnParameter>;

export type StackSetParameterName = keyof typeof STACKSET_PARAMETERS;

/** Each `${param:…}` of services/spoke/serverless.yml and the parameter that stands in for it. */
export const SERVICE_PARAMS: Readonly<Record<string, StackSetParameterName>> = {
  hubPropagationRoleArn: 'HubPropagationRoleArn',
  spokeExternalId: 'SpokeExternalId',
  organizationId: 'OrganizationId',
  hubStatusBusArn: 'HubStatusBusArn',
  alertEmail: 'AlertEmail',
  spokeRoleName: 'SpokeRoleName',
  guardianSchedule: 'GuardianSchedule',
  guardianPrices: 'GuardianPrices',
};

/** Groups for the CloudFormation console (AWS::CloudFormation::Interface). */
export const PARAMETER_GROUPS: ReadonlyArray<{ label: string; parameters: StackSetParameterName[] }> = [
  {
    label: 'Hub (outputs of the hub stack)',
    parameters: ['HubAccountId', 'HubPropagationRoleArn', 'HubStatusBusArn', 'OrganizationId', 'SpokeExternalId'],
  },
  { label: 'Spoke', parameters: ['SpokeRoleName', 'AlertEmail'] },
  { label: 'Cost guardian', parameters: ['GuardianSchedule', 'GuardianPrices'] },
  {
    label: 'Function code (set by stacksets/src/deploy.ts)',
    parameters: ['ArtifactBucketPrefix', 'ArtifactKeyPrefix'],
  },
];

const SENTINEL_PREFIX = 'ORGBUDGETSPARAM';

/** The token the build passes as a `${param:…}` value so that it can find where the value lands. */
export function sentinelFor(serviceParam: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(serviceParam)) {
    throw new Error(`serverless param name ${JSON.stringify(serviceParam)} is not plain letters and digits`);
  }
  return `${SENTINEL_PREFIX}${serviceParam}`;
}

/** Whether a text still holds a sentinel (of any param). */
export function containsSentinel(text: string): boolean {
  return text.includes(SENTINEL_PREFIX);
}

/** The `${param:NAME}` names a serverless.yml uses, in order of first use. */
export function serviceParamNames(serverlessYml: string): string[] {
  const names = [...serverlessYml.matchAll(/\$\{param:([A-Za-z0-9_]+)(?:\s*,[^}]*)?\}/g)].map((m) => m[1] ?? '');
  return [...new Set(names)];
}

/**
 * The sentinel of every param the service uses, mapped to its StackSet parameter. A param
 * without a parameter here fails the build: it would otherwise be frozen into the template.
 */
export function sentinelsForService(paramNames: readonly string[]): Map<string, StackSetParameterName> {
  const unknown = paramNames.filter((name) => !(name in SERVICE_PARAMS));
  if (unknown.length > 0) {
    throw new Error(
      `services/spoke/serverless.yml uses ${unknown.map((n) => `\${param:${n}}`).join(', ')}, which the StackSet ` +
        'template has no parameter for: add it to SERVICE_PARAMS and STACKSET_PARAMETERS in stacksets/src/spoke-parameters.ts',
    );
  }
  return new Map(paramNames.map((name) => [sentinelFor(name), SERVICE_PARAMS[name] as StackSetParameterName]));
}
