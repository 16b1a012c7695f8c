import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { GetObjectCommand, ListBucketsCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { unzipSync } from 'fflate';

export class FunctionCodeNotFoundError extends Error {
  override readonly name = 'FunctionCodeNotFoundError';
  constructor(
    readonly functionName: string,
    detail: string,
  ) {
    super(`The code of ${functionName} was not found: ${detail}`);
  }
}

/**
 * The S3 key of a function's code, from GetFunction's Code.Location. moto answers
 * `https://awslambda-<region>-tasks.s3.<region>.amazonaws.com/<S3Key>`: the key the function was
 * created from (the Serverless deployment bucket's `serverless/<service>/<stage>/<time>/<fn>.zip`),
 * but not the bucket. Undefined when the code came as a ZipFile (moto then keeps it to itself).
 */
export function codeKeyFromLocation(location: string | undefined): string | undefined {
  if (!location?.startsWith('https://')) return undefined;
  const key = decodeURIComponent(new URL(location).pathname.replace(/^\//, ''));
  return key === '' ? undefined : key;
}

/**
 * Finds a function's zip in the account's S3 (moto): the object with the key of Code.Location
 * whose SHA-256 is the function's CodeSha256, in whichever of the account's buckets holds it,
 * then in `extraBuckets` (another account's, e.g. the management account's StackSet artifact
 * bucket, from which CloudFormation created a member account's function).
 */
export async function fetchFunctionCode(input: {
  s3: S3Client;
  functionName: string;
  location: string | undefined;
  codeSha256: string;
  extraBuckets?: readonly string[];
}): Promise<Uint8Array> {
  const key = codeKeyFromLocation(input.location);
  if (key === undefined) {
    throw new FunctionCodeNotFoundError(
      input.functionName,
      `Code.Location ${String(input.location)} names no S3 key (created from a ZipFile?); deploy code through S3, as serverless does`,
    );
  }
  const { Buckets } = await input.s3.send(new ListBucketsCommand({}));
  const seen: string[] = [];
  const names = (Buckets ?? []).flatMap((bucket) => (bucket.Name ? [bucket.Name] : []));
  for (const name of [...names, ...(input.extraBuckets ?? []).filter((extra) => !names.includes(extra))]) {
    let bytes: Uint8Array;
    try {
      const object = await input.s3.send(new GetObjectCommand({ Bucket: name, Key: key }));
      bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      const missing = ['NoSuchKey', 'NoSuchBucket'].includes((error as Error).name);
      if (error instanceof NoSuchKey || missing) continue;
      throw error;
    }
    const sha = createHash('sha256').update(bytes).digest('base64');
    if (sha === input.codeSha256) return bytes;
    seen.push(`${name} (sha256 ${sha})`);
  }
  throw new FunctionCodeNotFoundError(
    input.functionName,
    `no bucket of the account${input.extraBuckets?.length ? ` nor ${input.extraBuckets.join(', ')}` : ''} holds ${key} with sha256 ${input.codeSha256}` +
      (seen.length > 0 ? `; other versions in ${seen.join(', ')}` : ''),
  );
}

/**
 * Unzips `zip` into `dir` (replacing what was there), refusing entries that would land outside it.
 * Does nothing when `dir` already holds this code (a marker file with the hash).
 */
export async function unzipCode(zip: Uint8Array, dir: string, codeSha256: string): Promise<void> {
  const marker = join(dir, '.code-sha256');
  if (existsSync(marker)) return;
  const root = resolve(dir);
  const staging = `${root}.tmp-${process.pid}-${Date.now()}`;
  await rm(staging, { recursive: true, force: true });
  const entries = unzipSync(zip);
  for (const [name, data] of Object.entries(entries)) {
    const target = resolve(staging, name);
    if (!target.startsWith(staging + sep)) throw new Error(`zip entry ${name} would land outside ${dir}`);
    if (name.endsWith('/')) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data);
  }
  await writeFile(join(staging, '.code-sha256'), codeSha256);
  await rm(root, { recursive: true, force: true });
  await mkdir(dirname(root), { recursive: true });
  await rename(staging, root);
}
