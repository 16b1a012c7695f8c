/**
 * What moto's CloudFormation leaves out of a stack, and the one gap the local cloud fills.
 *
 * moto skips resource types it does not implement (with a warning in its log) and still reports
 * CREATE_COMPLETE. For org-budgets' templates that is (moto 5.2.1):
 * - AWS::Lambda::EventInvokeConfig: the asynchronous retries and OnFailure destination of the
 *   functions. moto's Lambda API has PutFunctionEventInvokeConfig, so deployService puts exactly
 *   what the template says (`eventInvokeConfigsToApply`), resolved against the stack.
 * - AWS::SNS::Subscription: the alert emails. moto's SNS API has Subscribe, so deployService
 *   subscribes exactly what the template says (`subscriptionsToApply`).
 * - AWS::CloudWatch::Alarm, AWS::Events::EventBusPolicy, AWS::SQS::QueuePolicy,
 *   AWS::S3::BucketPolicy, AWS::SNS::TopicPolicy: left out; nothing local evaluates alarms or
 *   resource policies, so they are reported, not emulated.
 * - AWS::CloudFormation::CustomResource: left out, and a stack's deletion sends no Delete to any
 *   custom resource. The local cloud sends the requests itself (custom-resources.ts); moto would
 *   invoke a `Custom::` resource's function in Docker, and fails on one in a service-managed
 *   StackSet's stack.
 * moto also leaves a stack's Outputs empty after a change-set update (`resolveOutputs`).
 * AWS::Lambda::EventSourceMapping is no gap: moto creates it, for a DynamoDB stream as for an SQS
 * queue (a serverless `sqs` event), in a stack as in a StackSet's instances, and updates it with
 * a change set. The local Lambda runtime polls it (moto-launcher.py keeps moto from delivering to
 * a queue's mapping itself).
 */

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
}

export interface Template {
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
}

export interface StackResource {
  logicalId: string;
  type: string;
  physicalId: string;
}

export interface StackContext {
  stackName: string;
  account: string;
  region: string;
  partition: string;
  /** Parameter values the stack was created with. */
  parameters: Record<string, string>;
  resources: StackResource[];
  /** `LogicalId.Attribute` values looked up beforehand (e.g. a table's StreamArn). */
  attributes?: Record<string, string>;
}

export interface SkippedResource {
  logicalId: string;
  type: string;
  /** `condition`: its Condition is false (as on AWS); `not-created`: moto did not create it. */
  reason: 'condition' | 'not-created';
}

export class UnresolvableValueError extends Error {
  override readonly name = 'UnresolvableValueError';
}

/** The template's resources that are not in the stack, and why. */
export function findSkippedResources(template: Template, stack: StackContext): SkippedResource[] {
  const created = new Set(stack.resources.map((resource) => resource.logicalId));
  const skipped: SkippedResource[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (created.has(logicalId)) continue;
    const conditionHolds = resource.Condition === undefined || evaluateCondition(template, stack, resource.Condition);
    skipped.push({ logicalId, type: resource.Type, reason: conditionHolds ? 'not-created' : 'condition' });
  }
  return skipped;
}

export function evaluateCondition(template: Template, stack: StackContext, name: string): boolean {
  const definition = template.Conditions?.[name];
  if (definition === undefined) throw new UnresolvableValueError(`condition ${name} is not defined`);
  return Boolean(resolveValue(definition, template, stack));
}

/**
 * Resolves a template value against the created stack: Ref (parameters, pseudo parameters,
 * resources), Fn::GetAtt …Arn / Name of the resource types org-budgets uses, Fn::Join, Fn::Sub,
 * Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::If, Condition.
 */
export function resolveValue(value: unknown, template: Template, stack: StackContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, template, stack));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && key !== undefined) {
    const resolve = (v: unknown): unknown => resolveValue(v, template, stack);
    switch (key) {
      case 'Ref':
        return resolveRef(String(argument), template, stack);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = (typeof argument === 'string' ? argument.split('.') : argument) as [
          string,
          string,
        ];
        return resolveGetAtt(logicalId, attribute, template, stack);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (resolve(parts) as unknown[]).join(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = (typeof argument === 'string' ? [argument, {}] : argument) as [
          string,
          Record<string, unknown>,
        ];
        return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          if (name in variables) return String(resolve(variables[name]));
          return String(
            name.includes('.')
              ? resolveGetAtt(...(name.split('.') as [string, string]), template, stack)
              : resolveRef(name, template, stack),
          );
        });
      }
      case 'Fn::Equals': {
        const [a, b] = resolve(argument) as [unknown, unknown];
        return String(a) === String(b);
      }
      case 'Fn::Not':
        return !(resolve(argument) as unknown[])[0];
      case 'Fn::And':
        return (resolve(argument) as unknown[]).every(Boolean);
      case 'Fn::Or':
        return (resolve(argument) as unknown[]).some(Boolean);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        return resolve(evaluateCondition(template, stack, condition) ? whenTrue : whenFalse);
      }
      case 'Condition':
        return evaluateCondition(template, stack, String(argument));
      default:
        if (key.startsWith('Fn::')) throw new UnresolvableValueError(`${key} is not resolved locally`);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(v, template, stack)]));
}

function resolveRef(name: string, template: Template, stack: StackContext): unknown {
  switch (name) {
    case 'AWS::AccountId':
      return stack.account;
    case 'AWS::Region':
      return stack.region;
    case 'AWS::Partition':
      return stack.partition;
    case 'AWS::StackName':
      return stack.stackName;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    default:
  }
  if (name in stack.parameters) return stack.parameters[name];
  if (template.Parameters?.[name] !== undefined) return template.Parameters[name]?.Default;
  const resource = stack.resources.find((r) => r.logicalId === name);
  if (resource) return resource.physicalId;
  throw new UnresolvableValueError(`Ref ${name}: no such parameter or created resource`);
}

function resolveGetAtt(logicalId: string, attribute: string, template: Template, stack: StackContext): string {
  const known = stack.attributes?.[`${logicalId}.${attribute}`];
  if (known !== undefined) return known;
  const resource = stack.resources.find((r) => r.logicalId === logicalId);
  const type = resource?.type ?? template.Resources[logicalId]?.Type;
  const { partition, region, account } = stack;
  if (resource && type === 'AWS::IAM::Role' && attribute === 'Arn')
    return `arn:${partition}:iam::${account}:role/${resource.physicalId}`;
  if (resource && type === 'AWS::DynamoDB::Table' && attribute === 'Arn') {
    return `arn:${partition}:dynamodb:${region}:${account}:table/${resource.physicalId}`;
  }
  if (resource && type === 'AWS::SQS::Queue' && (attribute === 'Arn' || attribute === 'QueueName')) {
    const name = resource.physicalId.split('/').pop() ?? '';
    return attribute === 'Arn' ? `arn:${partition}:sqs:${region}:${account}:${name}` : name;
  }
  if (resource && type === 'AWS::SNS::Topic' && attribute === 'TopicArn') return resource.physicalId;
  if (resource && type === 'AWS::Lambda::Function' && attribute === 'Arn') {
    return `arn:${partition}:lambda:${region}:${account}:function:${resource.physicalId}`;
  }
  if (type === 'AWS::Events::EventBus' && (attribute === 'Arn' || attribute === 'Name')) {
    const name = String(resolveValue(template.Resources[logicalId]?.Properties?.['Name'], template, stack));
    return attribute === 'Arn' ? `arn:${partition}:events:${region}:${account}:event-bus/${name}` : name;
  }
  throw new UnresolvableValueError(`Fn::GetAtt ${logicalId}.${attribute} (${String(type)}) is not resolved locally`);
}

/**
 * The stack's outputs, resolved from the template: moto 5.2.1 drops a stack's Outputs when it
 * is updated through a change set, which is how serverless deploys. Outputs that cannot be
 * resolved locally are left out and named in `unresolved`.
 */
export function resolveOutputs(
  template: Template,
  stack: StackContext,
): { outputs: Record<string, string>; unresolved: string[] } {
  const outputs: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    try {
      if (output.Condition !== undefined && !evaluateCondition(template, stack, output.Condition)) continue;
      outputs[name] = String(resolveValue(output.Value, template, stack));
    } catch (error) {
      if (!(error instanceof UnresolvableValueError)) throw error;
      unresolved.push(`${name}: ${error.message}`);
    }
  }
  return { outputs, unresolved };
}

/** PutFunctionEventInvokeConfig's input for an AWS::Lambda::EventInvokeConfig of the template. */
export interface EventInvokeConfigInput {
  logicalId: string;
  FunctionName: string;
  Qualifier?: string;
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  DestinationConfig?: { OnSuccess?: { Destination: string }; OnFailure?: { Destination: string } };
}

/** Logical ids of the resources of `type` that moto did not create (their Condition holds). */
function notCreated(template: Template, stack: StackContext, type: string): string[] {
  return findSkippedResources(template, stack)
    .filter((s) => s.reason === 'not-created' && s.type === type)
    .map((s) => s.logicalId);
}

/** Subscribe's input for an AWS::SNS::Subscription of the template. */
export interface SubscriptionInput {
  logicalId: string;
  TopicArn: string;
  Protocol: string;
  Endpoint: string;
  Attributes?: Record<string, string>;
}

/** The template's SNS subscriptions that moto skipped, resolved to Subscribe input. */
export function subscriptionsToApply(template: Template, stack: StackContext): SubscriptionInput[] {
  return notCreated(template, stack, 'AWS::SNS::Subscription').map((logicalId) => {
    const properties = resolveValue(template.Resources[logicalId]?.Properties ?? {}, template, stack) as Record<
      string,
      unknown
    >;
    const attributes: Record<string, string> = {};
    if (properties['FilterPolicy'] !== undefined)
      attributes['FilterPolicy'] = JSON.stringify(properties['FilterPolicy']);
    const raw = properties['RawMessageDelivery'];
    if (typeof raw === 'boolean' || typeof raw === 'string') attributes['RawMessageDelivery'] = String(raw);
    return {
      logicalId,
      TopicArn: properties['TopicArn'] as string,
      Protocol: properties['Protocol'] as string,
      Endpoint: properties['Endpoint'] as string,
      ...(Object.keys(attributes).length === 0 ? {} : { Attributes: attributes }),
    };
  });
}

/** The template's EventInvokeConfigs that moto skipped, resolved to API input. */
export function eventInvokeConfigsToApply(template: Template, stack: StackContext): EventInvokeConfigInput[] {
  const skipped = notCreated(template, stack, 'AWS::Lambda::EventInvokeConfig');
  const out: EventInvokeConfigInput[] = [];
  for (const logicalId of skipped) {
    const properties = resolveValue(template.Resources[logicalId]?.Properties ?? {}, template, stack) as Record<
      string,
      unknown
    >;
    const destination = (properties['DestinationConfig'] ?? {}) as Record<string, { Destination?: string } | undefined>;
    const destinationConfig: NonNullable<EventInvokeConfigInput['DestinationConfig']> = {};
    if (destination['OnSuccess']?.Destination)
      destinationConfig.OnSuccess = { Destination: destination['OnSuccess'].Destination };
    if (destination['OnFailure']?.Destination)
      destinationConfig.OnFailure = { Destination: destination['OnFailure'].Destination };
    out.push({
      logicalId,
      FunctionName: String(properties['FunctionName']),
      ...(properties['Qualifier'] === undefined ? {} : { Qualifier: properties['Qualifier'] as string }),
      ...(properties['MaximumRetryAttempts'] === undefined
        ? {}
        : { MaximumRetryAttempts: Number(properties['MaximumRetryAttempts']) }),
      ...(properties['MaximumEventAgeInSeconds'] === undefined
        ? {}
        : { MaximumEventAgeInSeconds: Number(properties['MaximumEventAgeInSeconds']) }),
      ...(Object.keys(destinationConfig).length === 0 ? {} : { DestinationConfig: destinationConfig }),
    });
  }
  return out;
}
