import { readFile } from 'node:fs/promises';
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';

export interface ArtifactUpload {
  bucket: string;
  region: string;
  key: string;
  /** Local file to upload. */
  file: string;
  sha256: string;
  contentType?: string;
}

/** How an artifact bucket is set up (what ensureBucket applies). */
export interface ArtifactBucketView {
  versioning?: string;
  encryption?: string;
  publicAccessBlock?: {
    BlockPublicAcls?: boolean;
    IgnorePublicAcls?: boolean;
    BlockPublicPolicy?: boolean;
    RestrictPublicBuckets?: boolean;
  };
  policy?: unknown;
}

export interface ArtifactStore {
  /** Creates the bucket if missing and (re)applies its protection and the organization read policy. */
  ensureBucket(bucket: string, region: string, organizationId: string): Promise<'created' | 'existing'>;
  /** Uploads unless the object is there with the same sha256. */
  upload(artifact: ArtifactUpload): Promise<'uploaded' | 'unchanged'>;
}

/** The partition of a region, for ARNs. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * The artifact bucket's policy: any principal of the organization may read objects (the
 * CloudFormation of each member account fetches the function code with its own credentials),
 * over TLS only; nobody outside the organization.
 */
export function artifactBucketPolicy(bucket: string, region: string, organizationId: string): Record<string, unknown> {
  const partition = partitionOf(region);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OrganizationReadsFunctionCode',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:${partition}:s3:::${bucket}/*`,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
      },
      {
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:${partition}:s3:::${bucket}`, `arn:${partition}:s3:::${bucket}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

export interface S3ArtifactStoreOptions {
  /** Path-style addressing (the local cloud: buckets are not DNS names there). */
  forcePathStyle?: boolean;
  /** Makes the client of a region; by default a new S3Client. */
  clientFor?: (region: string) => S3Client;
  /** Where TLS is not available (the local cloud over http), leave out the TLS-only statement. */
  allowPlainHttp?: boolean;
}

/** Artifact buckets in the management account, one per region (Lambda reads code from its own region only). */
export class S3ArtifactStore implements ArtifactStore {
  private readonly clients = new Map<string, S3Client>();

  constructor(private readonly options: S3ArtifactStoreOptions = {}) {}

  private client(region: string): S3Client {
    let client = this.clients.get(region);
    if (!client) {
      client =
        this.options.clientFor?.(region) ??
        new S3Client({ region, forcePathStyle: this.options.forcePathStyle ?? false });
      this.clients.set(region, client);
    }
    return client;
  }

  async ensureBucket(bucket: string, region: string, organizationId: string): Promise<'created' | 'existing'> {
    const s3 = this.client(region);
    let outcome: 'created' | 'existing' = 'existing';
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 403) {
        throw new Error(
          `bucket ${bucket} exists but this account may not use it (S3 names are global): choose another artifactBucketPrefix`,
          {
            cause: error,
          },
        );
      }
      if (status !== 404 && (error as Error).name !== 'NotFound') throw error;
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ObjectOwnership: 'BucketOwnerEnforced',
          ...(region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      );
      outcome = 'created';
    }
    // Applied every time, so that a bucket someone changed by hand is put back.
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: bucket,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    );
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    // SSE-S3, not KMS: member accounts read the code with their own credentials, and an AWS
    // managed KMS key cannot be shared across accounts.
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    const policy = artifactBucketPolicy(bucket, region, organizationId);
    if (this.options.allowPlainHttp) {
      policy['Statement'] = (policy['Statement'] as Array<{ Sid: string }>).filter((s) => s.Sid !== 'TlsOnly');
    }
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    return outcome;
  }

  async describeBucket(bucket: string, region: string): Promise<ArtifactBucketView> {
    const s3 = this.client(region);
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const access = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    const algorithm =
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
    return {
      ...(versioning.Status ? { versioning: versioning.Status } : {}),
      ...(algorithm ? { encryption: algorithm } : {}),
      ...(access.PublicAccessBlockConfiguration ? { publicAccessBlock: access.PublicAccessBlockConfiguration } : {}),
      ...(policy.Policy ? { policy: JSON.parse(policy.Policy) as unknown } : {}),
    };
  }

  /** Closes the clients' connections. */
  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  async upload(artifact: ArtifactUpload): Promise<'uploaded' | 'unchanged'> {
    const s3 = this.client(artifact.region);
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: artifact.bucket, Key: artifact.key }));
      if (head.Metadata?.['sha256'] === artifact.sha256) return 'unchanged';
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404 && (error as Error).name !== 'NotFound') throw error;
    }
    await s3.send(
      new PutObjectCommand({
        Bucket: artifact.bucket,
        Key: artifact.key,
        Body: await readFile(artifact.file),
        ContentType: artifact.contentType ?? 'application/zip',
        // S3 checks the upload against it; the metadata copy is what the next deploy compares.
        ChecksumSHA256: Buffer.from(artifact.sha256, 'hex').toString('base64'),
        Metadata: { sha256: artifact.sha256 },
        ServerSideEncryption: 'AES256',
      }),
    );
    return 'uploaded';
  }
}
