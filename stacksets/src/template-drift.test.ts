/**
 * No drift between the spoke service and its StackSet template: the template that
 * `serverless package` makes for a standalone spoke, and the StackSet template built from the
 * same service, declare the same functions, rules, roles and permissions once the StackSet
 * parameters take the values the service was packaged with. Runs `serverless package` twice
 * (offline, a few seconds each).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGED_TEMPLATE_FILE, packageService, SPOKE_SERVICE_DIR } from './package-service';
import { buildSpokeStackSet } from './spoke-build';
import { SERVICE_PARAMS, serviceParamNames } from './spoke-parameters';
import { SERVERLESS_DEPLOYMENT_RESOURCES } from './transform-template';
import {
  isJsonObject,
  parseTemplate,
  subVariables,
  type CfnResource,
  type CfnTemplate,
  type Json,
  type JsonObject,
} from './template';

const STAGE = 'drift';
/** What the service is packaged with (as its `package` script does in CI)… */
const PACKAGE_PARAMS: Record<string, string> = {
  organizationId: 'o-exampleorg1',
  spokeExternalId: 'org-budgets-ci-external-id',
  hubPropagationRoleArn: 'arn:aws:iam::123456789012:role/org-budgets-hub-ci-propagation',
  hubStatusBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/org-budgets-ci-status',
};
/** …with its own defaults (params.default in serverless.yml): what the StackSet parameters then take. */
const SERVICE_VALUES: Record<string, string> = {
  ...PACKAGE_PARAMS,
  alertEmail: '',
  spokeRoleName: 'org-budgets-spoke',
  guardianSchedule: 'rate(5 minutes)',
  guardianPrices: '',
};

/** Replaces Refs to the given parameters by their values, and their Fn::Sub variables too. */
function resolveParameters(value: Json, values: Readonly<Record<string, string>>): Json {
  const substitute = (text: string): string =>
    text.replace(/\$\{([^!}][^}]*)\}/g, (whole, name: string) => values[name.trim()] ?? whole);
  const visit = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isJsonObject(node)) return node;
    const keys = Object.keys(node);
    const ref = node['Ref'];
    if (keys.length === 1 && typeof ref === 'string' && ref in values) return values[ref] ?? null;
    const sub = node['Fn::Sub'];
    if (keys.length === 1 && typeof sub === 'string') {
      const text = substitute(sub);
      // A Fn::Sub left without variables is just its text (`${!x}` stands for `${x}`).
      return subVariables(text).length === 0 ? text.replaceAll('${!', '${') : { 'Fn::Sub': text };
    }
    const result: JsonObject = {};
    for (const [key, child] of Object.entries(node)) result[key] = visit(child);
    return result;
  };
  return visit(value);
}

function resourcesOfType(template: CfnTemplate, type: string): Record<string, CfnResource> {
  return Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type === type));
}

/** Properties, without the function code (which is expected to come from elsewhere). */
function withoutCode(resources: Record<string, CfnResource>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(resources).map(([id, r]) => {
      const { Code: _code, ...properties } = r.Properties ?? {};
      return [id, { ...r, Properties: properties }];
    }),
  );
}

describe('the StackSet template and the packaged spoke service', () => {
  let workDir: string;
  let service: CfnTemplate;
  let stackSet: CfnTemplate;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'org-budgets-drift-'));
    await packageService({
      serviceDir: SPOKE_SERVICE_DIR,
      outDir: join(workDir, 'service'),
      stage: STAGE,
      params: PACKAGE_PARAMS,
    });
    service = parseTemplate(
      await readFile(join(workDir, 'service', PACKAGED_TEMPLATE_FILE), 'utf8'),
      'service template',
    );
    const built = await buildSpokeStackSet({ outDir: join(workDir, 'stackset'), stage: STAGE });
    // Parameters the service declares itself (AlertEmail) stay parameters on both sides.
    const values = Object.fromEntries(
      Object.entries(SERVICE_VALUES)
        .map(([param, value]) => [SERVICE_PARAMS[param] ?? param, value] as const)
        .filter(([name]) => !(name in (service.Parameters ?? {}))),
    );
    stackSet = resolveParameters(built.template as unknown as Json, values) as unknown as CfnTemplate;
  }, 180_000);

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('covers every ${param:…} of the service', async () => {
    const used = serviceParamNames(await readFile(join(SPOKE_SERVICE_DIR, 'serverless.yml'), 'utf8'));

    expect(used.filter((name) => !(name in SERVICE_VALUES))).toEqual([]);
  });

  it('has the same resources, less the serverless deployment bucket', () => {
    const expected = Object.keys(service.Resources).filter((id) => !SERVERLESS_DEPLOYMENT_RESOURCES.includes(id));

    expect(Object.keys(stackSet.Resources).sort()).toEqual(expected.sort());
  });

  it('declares the same functions: handler, runtime, environment, role, everything but the code location', () => {
    const functions = resourcesOfType(service, 'AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBeGreaterThan(0);

    expect(withoutCode(resourcesOfType(stackSet, 'AWS::Lambda::Function'))).toEqual(withoutCode(functions));
  });

  it('declares the same EventBridge rules: patterns and targets', () => {
    expect(resourcesOfType(stackSet, 'AWS::Events::Rule')).toEqual(resourcesOfType(service, 'AWS::Events::Rule'));
  });

  it('declares the same roles: trust and policies', () => {
    const roles = resourcesOfType(service, 'AWS::IAM::Role');
    expect(Object.keys(roles)).toContain('SpokeRole');

    expect(resourcesOfType(stackSet, 'AWS::IAM::Role')).toEqual(roles);
  });

  it('declares the same Lambda permissions', () => {
    expect(resourcesOfType(stackSet, 'AWS::Lambda::Permission')).toEqual(
      resourcesOfType(service, 'AWS::Lambda::Permission'),
    );
  });

  it('declares every other resource the same', () => {
    const other = (template: CfnTemplate) =>
      Object.fromEntries(
        Object.entries(template.Resources).filter(
          ([id, r]) => r.Type !== 'AWS::Lambda::Function' && !SERVERLESS_DEPLOYMENT_RESOURCES.includes(id),
        ),
      );

    expect(other(stackSet)).toEqual(other(service));
  });

  it("keeps the service's own parameters and conditions", () => {
    for (const [name, definition] of Object.entries(service.Parameters ?? {})) {
      expect(stackSet.Parameters?.[name]).toEqual(definition);
    }
    expect(stackSet.Conditions).toEqual(service.Conditions);
  });

  it('takes its function code from the artifact bucket of the region', () => {
    for (const resource of Object.values(resourcesOfType(stackSet, 'AWS::Lambda::Function'))) {
      expect(resource.Properties?.['Code']).toEqual({
        S3Bucket: { 'Fn::Sub': '${ArtifactBucketPrefix}-${AWS::Region}' },
        S3Key: { 'Fn::Sub': expect.stringMatching(/^\$\{ArtifactKeyPrefix\}\/[\w.-]+\.zip$/) as unknown },
      });
    }
  });
});
