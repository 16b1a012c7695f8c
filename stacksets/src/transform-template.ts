import { containsSentinel } from './spoke-parameters';
import {
  dependsOnList,
  isJsonObject,
  keyBaseName,
  referencedNames,
  type CfnOutput,
  type CfnParameter,
  type CfnTemplate,
  type Json,
  type JsonObject,
} from './template';

/** Resources `serverless package` adds for its own deployment bucket; a StackSet brings its code from elsewhere. */
export const SERVERLESS_DEPLOYMENT_RESOURCES = ['ServerlessDeploymentBucket', 'ServerlessDeploymentBucketPolicy'];

export interface StackSetTemplateOptions {
  /** Sentinel token → name of the parameter that replaces it. */
  sentinels: ReadonlyMap<string, string>;
  /** Parameters to declare (a parameter the service declares already keeps its own definition). */
  parameters: Readonly<Record<string, CfnParameter>>;
  /** Parameter names of the artifact bucket prefix and key prefix. */
  artifactBucketPrefixParameter: string;
  artifactKeyPrefixParameter: string;
  description: string;
  /** Extra outputs (added after the service's own). */
  outputs?: Readonly<Record<string, CfnOutput>>;
  /** Template Metadata to set (e.g. AWS::CloudFormation::Interface). */
  metadata?: JsonObject;
}

export interface FunctionCode {
  /** Logical id of the AWS::Lambda::Function (or LayerVersion). */
  logicalId: string;
  /** The zip's file name in the serverless package directory, and under the artifact key prefix. */
  zipName: string;
}

export interface StackSetTemplate {
  template: CfnTemplate;
  code: FunctionCode[];
}

/**
 * Turns the template of `serverless package` (run with a sentinel for every `${param:…}`) into
 * a StackSet template: the sentinels become parameters, the serverless deployment bucket goes,
 * and the functions' code comes from the per-region artifact bucket under a key prefix
 * parameter. Pure: the input is not changed.
 */
export function toStackSetTemplate(packaged: CfnTemplate, options: StackSetTemplateOptions): StackSetTemplate {
  const template = structuredClone(packaged);
  const removed = new Set(SERVERLESS_DEPLOYMENT_RESOURCES.filter((id) => id in template.Resources));

  const code = pointCodeAtArtifactBucket(template, options);
  for (const id of removed) delete template.Resources[id];
  for (const resource of Object.values(template.Resources)) {
    const dependsOn = dependsOnList(resource).filter((id) => !removed.has(id));
    if (dependsOn.length === 0) delete resource.DependsOn;
    else resource.DependsOn = dependsOn;
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    const dangling = [...referencedNames(resource)].filter((name) => removed.has(name));
    if (dangling.length > 0) {
      throw new Error(`resource ${id} refers to ${dangling.join(', ')}, which a StackSet template cannot have`);
    }
  }
  if (template.Outputs) {
    for (const [id, output] of Object.entries(template.Outputs)) {
      if ([...referencedNames(output)].some((name) => removed.has(name))) delete template.Outputs[id];
    }
  }

  template.Parameters = mergeParameters(template.Parameters ?? {}, options);
  template.Resources = replaceSentinelsIn(template.Resources, options.sentinels);
  if (template.Conditions) template.Conditions = replaceSentinelsIn(template.Conditions, options.sentinels);
  template.Outputs = {
    ...(template.Outputs ? replaceSentinelsIn(template.Outputs, options.sentinels) : {}),
    ...options.outputs,
  };
  if (Object.keys(template.Outputs).length === 0) delete template.Outputs;
  template.Description = options.description;
  if (options.metadata) template.Metadata = { ...template.Metadata, ...options.metadata };

  const left = JSON.stringify(template);
  if (containsSentinel(left)) {
    throw new Error(
      'a ${param:…} sentinel is left in the StackSet template (in an object key or an unsupported place)',
    );
  }
  return { template: orderSections(template), code };
}

function pointCodeAtArtifactBucket(template: CfnTemplate, options: StackSetTemplateOptions): FunctionCode[] {
  const code: FunctionCode[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const property =
      resource.Type === 'AWS::Lambda::Function'
        ? 'Code'
        : resource.Type === 'AWS::Lambda::LayerVersion'
          ? 'Content'
          : undefined;
    if (!property) continue;
    const location = resource.Properties?.[property];
    if (!isJsonObject(location) || typeof location['S3Key'] !== 'string') {
      throw new Error(
        `${logicalId}: ${property}.S3Key is not a plain key; expected the code of \`serverless package\``,
      );
    }
    const zipName = keyBaseName(location['S3Key']);
    (resource.Properties as JsonObject)[property] = {
      S3Bucket: { 'Fn::Sub': `\${${options.artifactBucketPrefixParameter}}-\${AWS::Region}` },
      S3Key: { 'Fn::Sub': `\${${options.artifactKeyPrefixParameter}}/${zipName}` },
    };
    code.push({ logicalId, zipName });
  }
  return code;
}

/**
 * The service's parameters (a sentinel Default replaced by the StackSet parameter's default, or
 * dropped) and then every StackSet parameter it does not declare itself.
 */
function mergeParameters(
  own: Readonly<Record<string, CfnParameter>>,
  options: StackSetTemplateOptions,
): Record<string, CfnParameter> {
  const merged: Record<string, CfnParameter> = {};
  for (const [name, definition] of Object.entries(options.parameters)) {
    const existing = own[name];
    merged[name] = existing ? withSentinelDefault(existing, definition) : { ...definition };
  }
  for (const [name, definition] of Object.entries(own)) {
    if (name in merged) continue;
    if (definition.Default !== undefined && containsSentinel(definition.Default)) {
      throw new Error(`parameter ${name} has a \${param:…} default but no StackSet parameter definition`);
    }
    merged[name] = definition;
  }
  return merged;
}

function withSentinelDefault(existing: CfnParameter, definition: CfnParameter): CfnParameter {
  if (existing.Default === undefined || !containsSentinel(existing.Default)) return existing;
  const { Default: _sentinel, ...rest } = existing;
  return definition.Default === undefined ? rest : { ...rest, Default: definition.Default };
}

/** Replaces every sentinel with a reference to its parameter (Ref, or a Fn::Sub variable). */
export function replaceSentinelsIn<T>(value: T, sentinels: ReadonlyMap<string, string>): T {
  if (sentinels.size === 0) return value;
  // Longest first, so that no sentinel is matched as the start of a longer one.
  const alternatives = [...sentinels.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(alternatives.join('|'), 'g');
  const asVariable = (text: string): string => text.replace(pattern, (token) => `\${${sentinels.get(token) ?? token}}`);

  const visit = (node: Json): Json => {
    if (typeof node === 'string') {
      if (!hasMatch(pattern, node)) return node;
      const whole = sentinels.get(node);
      if (whole !== undefined) return { Ref: whole };
      // A literal `${` in plain text must not become a Fn::Sub variable.
      return { 'Fn::Sub': asVariable(node.replaceAll('${', '${!')) };
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const keys = Object.keys(node);
    const sub = node['Fn::Sub'];
    if (keys.length === 1 && typeof sub === 'string') return { 'Fn::Sub': asVariable(sub) };
    if (keys.length === 1 && Array.isArray(sub) && typeof sub[0] === 'string') {
      return { 'Fn::Sub': [asVariable(sub[0]), ...sub.slice(1).map(visit)] };
    }
    const result: JsonObject = {};
    for (const [key, child] of Object.entries(node)) {
      if (hasMatch(pattern, key)) throw new Error(`a \${param:…} value is used as the key ${JSON.stringify(key)}`);
      result[key] = visit(child);
    }
    return result;
  };
  return visit(value as Json) as T;
}

function hasMatch(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  return found;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The usual section order, for a readable file. */
function orderSections(template: CfnTemplate): CfnTemplate {
  const sections = [
    'AWSTemplateFormatVersion',
    'Description',
    'Metadata',
    'Parameters',
    'Conditions',
    'Resources',
    'Outputs',
  ];
  const source = template as unknown as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const key of [...sections, ...Object.keys(source)]) {
    if (source[key] !== undefined && !(key in result)) result[key] = source[key];
  }
  return result as unknown as CfnTemplate;
}
