/** The parts of a CloudFormation template (JSON form) that the StackSet build reads and writes. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface CfnParameter {
  Type: string;
  Description?: string;
  Default?: string;
  NoEcho?: boolean;
  AllowedPattern?: string;
  AllowedValues?: string[];
  ConstraintDescription?: string;
  MinLength?: number;
  MaxLength?: number;
}

export interface CfnResource {
  Type: string;
  Properties?: JsonObject;
  DependsOn?: string | string[];
  Condition?: string;
  Metadata?: JsonObject;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnOutput {
  Value: Json;
  Description?: string;
  Export?: JsonObject;
  Condition?: string;
}

export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Metadata?: JsonObject;
  Parameters?: Record<string, CfnParameter>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseTemplate(text: string, source: string): CfnTemplate {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isJsonObject(parsed) || !isJsonObject(parsed['Resources'])) {
    throw new Error(`${source} is not a CloudFormation template (no Resources)`);
  }
  return parsed as unknown as CfnTemplate;
}

/** `${Name}` and `${Name.Attribute}` variables of a Fn::Sub string (`${!Literal}` is not one). */
export function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^!}][^}]*)\}/g)].map((match) => (match[1] ?? '').trim());
}

/**
 * Logical ids and parameter names a value refers to: Ref, Fn::GetAtt and Fn::Sub variables
 * (without the variables a Fn::Sub defines itself).
 */
export function referencedNames(value: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!isJsonObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const ref = node['Ref'];
      if (typeof ref === 'string') names.add(ref);
      const getAtt = node['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') names.add(getAtt[0]);
      if (typeof getAtt === 'string') names.add(getAtt.split('.')[0] ?? getAtt);
      const sub = node['Fn::Sub'];
      if (typeof sub === 'string') subVariables(sub).forEach((v) => names.add(v.split('.')[0] ?? v));
      if (Array.isArray(sub) && typeof sub[0] === 'string') {
        const own = isJsonObject(sub[1]) ? new Set(Object.keys(sub[1])) : new Set<string>();
        subVariables(sub[0])
          .map((v) => v.split('.')[0] ?? v)
          .filter((v) => !own.has(v))
          .forEach((v) => names.add(v));
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(value);
  return names;
}

/** The file name at the end of an S3 key: `serverless/svc/stage/123/applyBudget.zip` → `applyBudget.zip`. */
export function keyBaseName(key: string): string {
  const name = key.split('/').pop() ?? '';
  if (!name) throw new Error(`S3 key ${JSON.stringify(key)} has no file name`);
  return name;
}

export function dependsOnList(resource: CfnResource): string[] {
  const { DependsOn: dependsOn } = resource;
  if (dependsOn === undefined) return [];
  return typeof dependsOn === 'string' ? [dependsOn] : [...dependsOn];
}
