import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  ARTIFACTS_DIR,
  BuildManifestSchema,
  contentKeyPrefix,
  MANIFEST_FILE,
  sha256,
  TEMPLATE_FILE,
  type BuildManifest,
} from './manifest';
import { PACKAGED_TEMPLATE_FILE, packageService, REPO_ROOT, SPOKE_SERVICE_DIR } from './package-service';
import {
  PARAMETER_GROUPS,
  sentinelFor,
  sentinelsForService,
  serviceParamNames,
  STACKSET_PARAMETERS,
  type StackSetParameterName,
} from './spoke-parameters';
import { parseTemplate, type CfnTemplate } from './template';
import { toStackSetTemplate } from './transform-template';

export const DEFAULT_BUILD_DIR = join(REPO_ROOT, 'stacksets', 'build');
export const DEFAULT_STAGE = 'prod';

export interface SpokeBuildOptions {
  /** Where the template, the zips and the manifest go; stacksets/build by default. */
  outDir?: string;
  /** The spoke's stage: it names the spoke's resources (org-budgets-<stage>-budget-alerts…). */
  stage?: string;
  serviceDir?: string;
  report?: (line: string) => void;
}

export interface SpokeBuild {
  outDir: string;
  manifest: BuildManifest;
  template: CfnTemplate;
}

/**
 * Builds the StackSet template from the spoke service itself: `serverless package` with a
 * sentinel for every `${param:…}`, then toStackSetTemplate. Writes
 * <outDir>/spoke-stackset.template.json, <outDir>/artifacts/<key prefix>/<zip> and
 * <outDir>/manifest.json. Offline.
 */
export async function buildSpokeStackSet(options: SpokeBuildOptions = {}): Promise<SpokeBuild> {
  const outDir = options.outDir ?? DEFAULT_BUILD_DIR;
  const stage = options.stage ?? DEFAULT_STAGE;
  const serviceDir = options.serviceDir ?? SPOKE_SERVICE_DIR;
  const report = options.report ?? (() => undefined);

  const paramNames = serviceParamNames(await readFile(join(serviceDir, 'serverless.yml'), 'utf8'));
  const sentinels = sentinelsForService(paramNames);
  const packageDir = await mkdtemp(join(tmpdir(), 'org-budgets-spoke-package-'));
  try {
    report(
      `serverless package ${relative(REPO_ROOT, serviceDir) || serviceDir} (stage ${stage}), params as sentinels: ${paramNames.join(', ')}`,
    );
    await packageService({
      serviceDir,
      outDir: packageDir,
      stage,
      params: Object.fromEntries(paramNames.map((name) => [name, sentinelFor(name)])),
    });
    const packaged = parseTemplate(
      await readFile(join(packageDir, PACKAGED_TEMPLATE_FILE), 'utf8'),
      PACKAGED_TEMPLATE_FILE,
    );

    const { template, code } = toStackSetTemplate(packaged, {
      sentinels,
      parameters: STACKSET_PARAMETERS,
      artifactBucketPrefixParameter: 'ArtifactBucketPrefix' satisfies StackSetParameterName,
      artifactKeyPrefixParameter: 'ArtifactKeyPrefix' satisfies StackSetParameterName,
      description: `org-budgets spoke of one member account, rolled out by a StackSet (built from services/spoke, stage ${stage})`,
      outputs: {
        TrustedHubAccountId: {
          Description: 'The hub account whose propagation role this spoke trusts',
          Value: { Ref: 'HubAccountId' },
        },
      },
      metadata: {
        'AWS::CloudFormation::Interface': {
          ParameterGroups: PARAMETER_GROUPS.map((group) => ({
            Label: { default: group.label },
            Parameters: group.parameters,
          })),
        },
      },
    });

    const zips = await Promise.all(
      [...new Set(code.map((c) => c.zipName))].map(async (zipName) => {
        const data = await readFile(join(packageDir, zipName));
        return { zipName, sha256: sha256(data), bytes: data.length };
      }),
    );
    const keyPrefix = contentKeyPrefix(zips);
    const keyParameter = template.Parameters?.['ArtifactKeyPrefix'];
    if (keyParameter) keyParameter.Default = keyPrefix;

    const templateBody = `${JSON.stringify(template, null, 2)}\n`;
    await rm(join(outDir, ARTIFACTS_DIR), { recursive: true, force: true });
    await mkdir(join(outDir, ARTIFACTS_DIR, keyPrefix), { recursive: true });
    for (const zip of zips)
      await copyFile(join(packageDir, zip.zipName), join(outDir, ARTIFACTS_DIR, keyPrefix, zip.zipName));
    await writeFile(join(outDir, TEMPLATE_FILE), templateBody);

    const manifest = BuildManifestSchema.parse({
      schemaVersion: 1,
      template: { file: TEMPLATE_FILE, sha256: sha256(templateBody), bytes: Buffer.byteLength(templateBody) },
      artifactKeyPrefix: keyPrefix,
      artifacts: zips.map((zip) => ({
        file: `${ARTIFACTS_DIR}/${keyPrefix}/${zip.zipName}`,
        key: `${keyPrefix}/${zip.zipName}`,
        sha256: zip.sha256,
        bytes: zip.bytes,
        logicalIds: code.filter((c) => c.zipName === zip.zipName).map((c) => c.logicalId),
      })),
      source: {
        service: relative(REPO_ROOT, serviceDir) || serviceDir,
        stage,
        params: Object.fromEntries(paramNames.map((name) => [name, sentinels.get(sentinelFor(name)) ?? ''])),
      },
    } satisfies BuildManifest);
    await writeFile(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    for (const zip of zips) report(`artifact ${keyPrefix}/${zip.zipName} (${zip.bytes} bytes, sha256 ${zip.sha256})`);
    report(
      `template ${join(outDir, TEMPLATE_FILE)} (${Buffer.byteLength(templateBody)} bytes, ${Object.keys(template.Resources).length} resources)`,
    );
    return { outDir, manifest, template };
  } finally {
    await rm(packageDir, { recursive: true, force: true });
  }
}
