import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { en } from 'zod/locales';
import * as z from 'zod/mini';

export const TEMPLATE_FILE = 'spoke-stackset.template.json';
export const MANIFEST_FILE = 'manifest.json';
export const ARTIFACTS_DIR = 'artifacts';

// zod/mini registers no locale (classic zod registers English when it builds its first schema):
// without one, every message the schemas below leave to zod would read "Invalid input". (The
// functions get it from packages/contracts/src/zod-helpers.ts; this tooling sets it itself rather
// than count on what else it loads.) `en` by name: `z.locales.en` would keep every locale.
if (!z.config().localeError) z.config(en());

const sha256Hex = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a hex sha256'));

export const BuildManifestSchema = z.object({
  schemaVersion: z.literal(1),
  /** The template, relative to the build directory. */
  template: z.object({ file: z.string(), sha256: sha256Hex, bytes: z.number().check(z.int(), z.positive()) }),
  /** Value of the template's ArtifactKeyPrefix parameter: `spoke/<sha256 of the zips>`. */
  artifactKeyPrefix: z.string().check(z.minLength(1)),
  artifacts: z
    .array(
      z.object({
        /** Relative to the build directory: artifacts/<key prefix>/<zip>. */
        file: z.string(),
        /** S3 key in each artifact bucket: <key prefix>/<zip>. */
        key: z.string(),
        sha256: sha256Hex,
        bytes: z.number().check(z.int(), z.nonnegative()),
        /** The template resources whose code this is. */
        logicalIds: z.array(z.string()).check(z.minLength(1)),
      }),
    )
    .check(z.minLength(1)),
  source: z.object({
    service: z.string(),
    stage: z.string(),
    /** The service's `${param:…}` and the parameter each became. */
    params: z.record(z.string(), z.string()),
  }),
});

export type BuildManifest = z.infer<typeof BuildManifestSchema>;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A key prefix that names the code by its content: the same zips give the same prefix (the
 * spoke's zips are reproducible), and any change to any zip gives a new one, so that updating
 * the StackSet changes the functions' S3Key and CloudFormation updates their code.
 */
export function contentKeyPrefix(zips: ReadonlyArray<{ zipName: string; sha256: string }>): string {
  const lines = [...zips]
    .sort((a, b) => a.zipName.localeCompare(b.zipName))
    .map((zip) => `${zip.zipName} ${zip.sha256}\n`)
    .join('');
  return `spoke/${sha256(lines)}`;
}

export interface LoadedBuild {
  dir: string;
  manifest: BuildManifest;
  templateBody: string;
}

/** Reads a build directory and checks that the template and zips are the ones the manifest names. */
export async function loadBuild(dir: string): Promise<LoadedBuild> {
  let raw: string;
  try {
    raw = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    throw new Error(
      `no StackSet build in ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)}): run \`pnpm stackset:build\` first`,
      { cause: error },
    );
  }
  const parsed = BuildManifestSchema.safeParse(JSON.parse(raw));
  if (!parsed.success)
    throw new Error(`${join(dir, MANIFEST_FILE)} is not a build manifest: ${z.prettifyError(parsed.error)}`);
  const manifest = parsed.data;
  const templateBody = await readFile(join(dir, manifest.template.file), 'utf8');
  if (sha256(templateBody) !== manifest.template.sha256) {
    throw new Error(`${manifest.template.file} does not match its manifest (changed after the build?): rebuild`);
  }
  for (const artifact of manifest.artifacts) {
    const data = await readFile(join(dir, artifact.file));
    if (sha256(data) !== artifact.sha256) {
      throw new Error(`${artifact.file} does not match its manifest (changed after the build?): rebuild`);
    }
  }
  return { dir, manifest, templateBody };
}
