import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { identifyCall } from '@org-budgets/aws-emulator';
import type { HttpRequest } from '@smithy/types';
import { Readable } from 'node:stream';
import { budgetParameterName } from '@org-budgets/contracts';
import { budgetItemRecord, streamEvent } from '@org-budgets/test-fixtures';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { createPropagateHandler } from '../services/hub/src/functions/propagate-budget-edits/create-handler';
import {
  LatencyOnlyState,
  parseUpdateExpression,
  renderAssumeRole,
  startLatencyOnlyUpstream,
  useUpstreamEnvironment,
} from './hub-upstream';

const NOW = new Date('2026-12-03T12:00:00Z');
const settings = { tableName: 'bench-table', spokeRoleName: 'spoke', externalId: 'ext-id' };
const region = 'us-east-1';
const hubCredentials = { accessKeyId: 'management-account', secretAccessKey: 'management-account' };

/**
 * Routes an SDK client's signed requests to `state` without a socket: the SDK serializes, signs
 * and parses exactly as it does over HTTP, so what it accepts here it accepts from the server.
 */
function through(state: LatencyOnlyState) {
  return {
    handle: async (request: HttpRequest) => {
      const query = new URLSearchParams(
        Object.entries(request.query ?? {}).flatMap(([k, v]) =>
          typeof v === 'string' ? [[k, v] as [string, string]] : [],
        ),
      ).toString();
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const raw: unknown = request.body;
      const body =
        raw instanceof Uint8Array
          ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
          : Buffer.from(typeof raw === 'string' ? raw : '');
      const call = identifyCall({
        method: request.method,
        url: `${request.path}${query ? `?${query}` : ''}`,
        headers,
        body,
      });
      const answer = state.answer(call, NOW);
      return {
        response: {
          statusCode: answer.status,
          headers: Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k, String(v)])),
          body: Readable.from([answer.body]),
        },
      };
    },
  };
}

function clients(state: LatencyOnlyState) {
  const common = { region, endpoint: 'http://127.0.0.1:1', requestHandler: through(state), maxAttempts: 1 };
  return {
    ddb: new DynamoDBClient({ ...common, credentials: hubCredentials }),
    sts: new STSClient({ ...common, credentials: hubCredentials }),
    ssmAs: (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
      new SSMClient({ ...common, credentials }),
  };
}

const key = { accountId: { S: '111111111111' }, budgetName: { S: 'compute' } };

async function assumeSpoke(sts: STSClient, accountId = '111111111111') {
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/spoke`,
      RoleSessionName: `hub-${accountId}`,
      ExternalId: 'ext-id',
      DurationSeconds: 900,
    }),
  );
  return {
    accessKeyId: Credentials?.AccessKeyId ?? '',
    secretAccessKey: Credentials?.SecretAccessKey ?? '',
    sessionToken: Credentials?.SessionToken ?? '',
  };
}

describe('the latency-only upstream, as SDK clients see it', () => {
  it('answers GetItem with the projected attributes of a stored item, and {} for a missing one', async () => {
    const state = new LatencyOnlyState(settings);
    state.putItem({ ...key, amount: { N: '5' }, sync: { M: { status: { S: 'DELIVERED' } } } });
    const { ddb } = clients(state);

    const found = await ddb.send(
      new GetItemCommand({
        TableName: 'bench-table',
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: 'accountId, #sync, #delivered',
        ExpressionAttributeNames: { '#sync': 'sync', '#delivered': 'delivered' },
      }),
    );
    const missing = await ddb.send(
      new GetItemCommand({ TableName: 'bench-table', Key: { ...key, budgetName: { S: 'other' } } }),
    );

    expect(found.Item).toEqual({ accountId: key.accountId, sync: { M: { status: { S: 'DELIVERED' } } } });
    expect(missing.Item).toBeUndefined();
  });

  it('applies UpdateItem SET assignments, and fails the attribute_exists condition on a missing item', async () => {
    const state = new LatencyOnlyState(settings);
    state.putItem(key);
    const { ddb } = clients(state);
    const update = (budgetName: string) =>
      ddb.send(
        new UpdateItemCommand({
          TableName: 'bench-table',
          Key: { ...key, budgetName: { S: budgetName } },
          UpdateExpression: 'SET #sync = :sync, #delivered = :delivered',
          ConditionExpression: 'attribute_exists(accountId) AND (attribute_not_exists(#sync.#revision))',
          ExpressionAttributeNames: { '#sync': 'sync', '#delivered': 'delivered', '#revision': 'revision' },
          ExpressionAttributeValues: { ':sync': { M: { status: { S: 'DELIVERED' } } }, ':delivered': { N: '7' } },
        }),
      );

    await update('compute');

    expect(state.getItem(key)).toEqual({ ...key, sync: { M: { status: { S: 'DELIVERED' } } }, delivered: { N: '7' } });
    await expect(update('gone')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('removes what REMOVE names and returns the old values of what changed with UPDATED_OLD', async () => {
    const state = new LatencyOnlyState(settings);
    state.putItem({ ...key, earlyReport: { M: { status: { S: 'APPLIED' } } } });
    const { ddb } = clients(state);

    const answer = await ddb.send(
      new UpdateItemCommand({
        TableName: 'bench-table',
        Key: key,
        UpdateExpression: 'SET #sync = :sync REMOVE #early',
        ExpressionAttributeNames: { '#sync': 'sync', '#early': 'earlyReport' },
        ExpressionAttributeValues: { ':sync': { M: { status: { S: 'DELIVERED' } } } },
        ReturnValues: 'UPDATED_OLD',
      }),
    );

    expect(answer.Attributes).toEqual({ earlyReport: { M: { status: { S: 'APPLIED' } } } });
    expect(state.getItem(key)).toEqual({ ...key, sync: { M: { status: { S: 'DELIVERED' } } } });
  });

  it('issues spoke credentials whose SSM calls act in that account', async () => {
    const state = new LatencyOnlyState(settings);
    const { sts, ssmAs } = clients(state);
    const credentials = await assumeSpoke(sts, '222222222222');
    const ssm = ssmAs(credentials);

    await expect(ssm.send(new GetParameterCommand({ Name: '/org-budgets/budgets/compute' }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
    const put = await ssm.send(
      new PutParameterCommand({
        Name: '/org-budgets/budgets/compute',
        Value: '{"a":1}',
        Type: 'String',
        Overwrite: true,
      }),
    );
    const got = await ssm.send(new GetParameterCommand({ Name: '/org-budgets/budgets/compute' }));

    expect(put.Version).toBe(1);
    expect(got.Parameter).toMatchObject({ Name: '/org-budgets/budgets/compute', Value: '{"a":1}', Version: 1 });
    expect(got.Parameter?.LastModifiedDate).toEqual(NOW);
    expect(state.parameter('222222222222', '/org-budgets/budgets/compute')).toBe('{"a":1}');
    expect(state.parameter('111111111111', '/org-budgets/budgets/compute')).toBeUndefined();
  });

  it('refuses another role, a wrong ExternalId and keys it did not issue', async () => {
    const state = new LatencyOnlyState(settings);
    const { sts, ssmAs } = clients(state);

    await expect(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::111111111111:role/admin',
          RoleSessionName: 's',
          ExternalId: 'ext-id',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::111111111111:role/spoke',
          RoleSessionName: 's',
          ExternalId: 'x',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(ssmAs(hubCredentials).send(new GetParameterCommand({ Name: '/x' }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
  });

  it('answers a call it does not know with an error naming it', async () => {
    const state = new LatencyOnlyState(settings);
    const { ddb } = clients(state);

    await expect(ddb.send(new GetItemCommand({ TableName: 'other', Key: key }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const answer = state.answer(
      identifyCall({
        method: 'POST',
        url: '/',
        headers: {
          'x-amz-target': 'DynamoDB_20120810.Scan',
          'content-type': 'application/x-amz-json-1.0',
          authorization: 'AWS4-HMAC-SHA256 Credential=AK/20261203/us-east-1/dynamodb/aws4_request',
        },
        body: Buffer.from('{}'),
      }),
      NOW,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.toString()).toContain('dynamodb:Scan');
  });
});

describe('countDelivered', () => {
  it('counts the items DELIVERED whose parameter is in their account', async () => {
    const state = new LatencyOnlyState(settings);
    const delivered = { sync: { M: { status: { S: 'DELIVERED' } } } };
    state.putItem({ ...key, ...delivered });
    state.putItem({ accountId: { S: '222222222222' }, budgetName: { S: 'compute' }, ...delivered });
    state.putItem({ accountId: { S: '333333333333' }, budgetName: { S: 'compute' } });
    const { sts, ssmAs } = clients(state);
    for (const accountId of ['111111111111', '333333333333']) {
      await ssmAs(await assumeSpoke(sts, accountId)).send(
        new PutParameterCommand({ Name: '/p/compute', Value: '{}', Type: 'String', Overwrite: true }),
      );
    }
    const check = (accountId: string) => ({ accountId, budgetName: 'compute', parameterName: '/p/compute' });

    expect(state.countDelivered(['111111111111', '222222222222', '333333333333'].map(check))).toBe(1);
  });
});

describe('renderAssumeRole', () => {
  it('renders STS’s XML with the credentials and their expiration', () => {
    const answer = renderAssumeRole(
      {
        accessKeyId: 'ASIA1',
        secretAccessKey: 's&<',
        sessionToken: 't',
        expiration: new Date('2026-12-03T12:15:00Z'),
        assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/spoke/s',
        assumedRoleId: 'AROA1:s',
      },
      'req-1',
    );

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/xml');
    const xml = answer.body.toString();
    expect(xml).toContain('<AccessKeyId>ASIA1</AccessKeyId>');
    expect(xml).toContain('<SecretAccessKey>s&#38;&#60;</SecretAccessKey>');
    expect(xml).toContain('<Expiration>2026-12-03T12:15:00.000Z</Expiration>');
    expect(xml).toContain('<RequestId>req-1</RequestId>');
  });
});

describe('parseUpdateExpression', () => {
  it('reads a SET list of placeholders', () => {
    expect(parseUpdateExpression('SET #sync = :sync, plain = :v')).toEqual({
      assignments: [
        { name: '#sync', value: ':sync' },
        { name: 'plain', value: ':v' },
      ],
      removals: [],
    });
  });

  it('reads the REMOVE list after it (the hub takes a held report off with its delivery)', () => {
    expect(parseUpdateExpression('SET #sync = :sync, #delivered = :delivered REMOVE #early, other')).toEqual({
      assignments: [
        { name: '#sync', value: ':sync' },
        { name: '#delivered', value: ':delivered' },
      ],
      removals: ['#early', 'other'],
    });
  });

  it.each(['REMOVE #repair', 'SET a = :a ADD b :b', 'SET a = if_not_exists(a, :a)', 'SET a = :a REMOVE b.c'])(
    'refuses %s',
    (expression) => {
      expect(() => parseUpdateExpression(expression)).toThrow(/only "SET #name = :value/);
    },
  );
});

describe('the latency-only upstream under the hub’s own handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('answers every call propagate-budget-edits makes: its edits end DELIVERED with their parameters', async () => {
    const upstream = await startLatencyOnlyUpstream({ ...settings, latency: [], inWorker: false });
    try {
      useUpstreamEnvironment(upstream.endpoint, region);
      process.env['POWERTOOLS_LOG_LEVEL'] = 'ERROR';
      const budgets = ['111111111111', '222222222222', '333333333333'].map((accountId, i) => ({
        accountId,
        budgetName: 'compute',
        amount: 100 + i,
      }));
      await upstream.putItems(budgets.map((budget) => marshall(budget)));
      const handler = createPropagateHandler({
        tableName: settings.tableName,
        spokeRoleName: settings.spokeRoleName,
        spokeExternalId: settings.externalId,
        partition: 'aws',
        alertsTopicArn: `arn:aws:sns:${region}:123456789012:alerts`,
        maxConcurrency: 2,
      });
      const records = budgets.map((budget, i) => budgetItemRecord(budget, { sequenceNumber: String(100 + i) }));

      const response = await handler(streamEvent(...records), {
        functionName: 'propagate',
        awsRequestId: 'test',
        getRemainingTimeInMillis: () => 60_000,
      } as unknown as Context);

      expect(response.batchItemFailures).toEqual([]);
      const checks = budgets.map(({ accountId }) => ({
        accountId,
        budgetName: 'compute',
        parameterName: budgetParameterName('compute'),
      }));
      expect(await upstream.countDelivered(checks)).toBe(3);
    } finally {
      await upstream.stop();
    }
  });
});
