/**
 * Parameter Store Change events from SSM calls through the front door in front of moto.
 */
import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startFrontDoor, type FrontDoor } from '../front-door';
import { startMotoServer, type MotoServer } from '../moto-server';
import { stopAll } from '../test-support';
import type { EmittedEvent } from './event-bus';

jest.setTimeout(60_000);

const region = 'eu-west-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const ACCOUNT = '123456789012';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Parameter Store Change events from the front door', () => {
  let moto: MotoServer;
  let door: FrontDoor;
  let ssm: SSMClient;

  beforeAll(async () => {
    moto = await startMotoServer();
    door = await startFrontDoor({ upstream: moto.endpoint, env: {} });
    ssm = new SSMClient({ endpoint: door.endpoint, region, credentials, maxAttempts: 1 });
  });

  afterAll(() =>
    stopAll(
      () => ssm?.destroy(),
      () => door?.stop(),
      () => moto?.stop(),
    ),
  );

  beforeEach(async () => {
    await door.eventsSettled();
    door.clearEvents();
    door.clearInjections();
  });

  const details = (events: EmittedEvent[]) => events.map((event) => event.detail);

  it('emits Create, Update and Delete as AWS does', async () => {
    const name = '/org-budgets/budgets/team-a';
    await ssm.send(new PutParameterCommand({ Name: name, Value: '{}', Type: 'String', Description: 'team a' }));
    await ssm.send(new PutParameterCommand({ Name: name, Value: '{"v":2}', Overwrite: true }));
    await ssm.send(new DeleteParameterCommand({ Name: name }));
    await door.eventsSettled();

    const events = door.events();
    expect(events[0]).toEqual({
      version: '0',
      id: expect.stringMatching(UUID),
      'detail-type': 'Parameter Store Change',
      source: 'aws.ssm',
      account: ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region,
      resources: [`arn:aws:ssm:${region}:${ACCOUNT}:parameter/org-budgets/budgets/team-a`],
      detail: { operation: 'Create', name, type: 'String', description: 'team a' },
    });
    // The overwrite named neither type nor description: both stay.
    expect(details(events)).toEqual([
      { operation: 'Create', name, type: 'String', description: 'team a' },
      { operation: 'Update', name, type: 'String', description: 'team a' },
      { operation: 'Delete', name, type: 'String', description: 'team a' },
    ]);
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
  });

  it('emits nothing for calls that failed or were answered with an injected fault', async () => {
    await ssm.send(new PutParameterCommand({ Name: 'once', Value: 'v', Type: 'StringList' }));
    await expect(
      ssm.send(new PutParameterCommand({ Name: 'once', Value: 'v', Type: 'String' })),
    ).rejects.toBeInstanceOf(ParameterAlreadyExists);
    await expect(ssm.send(new DeleteParameterCommand({ Name: 'never-was' }))).rejects.toBeInstanceOf(ParameterNotFound);
    door.setFaults([
      {
        service: 'ssm',
        operation: 'DeleteParameter',
        error: { code: 'ThrottlingException', message: 'slow down', httpStatus: 400 },
      },
    ]);
    await expect(ssm.send(new DeleteParameterCommand({ Name: 'once' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    await door.eventsSettled();
    expect(details(door.events())).toEqual([
      { operation: 'Create', name: 'once', type: 'StringList', description: '' },
    ]);
  });

  it('reports every parameter DeleteParameters deleted, including ones made behind its back', async () => {
    // Made directly in moto: the front door never saw it, and looks it up before the deletion.
    const direct = new SSMClient({ endpoint: moto.endpoint, region, credentials, maxAttempts: 1 });
    try {
      await direct.send(
        new PutParameterCommand({ Name: '/made/in-moto', Value: 's', Type: 'SecureString', Description: 'secret' }),
      );
    } finally {
      direct.destroy();
    }
    await ssm.send(new PutParameterCommand({ Name: '/made/here', Value: 'v', Type: 'String' }));
    const { DeletedParameters, InvalidParameters } = await ssm.send(
      new DeleteParametersCommand({ Names: ['/made/in-moto', '/made/here', '/made/nowhere'] }),
    );
    expect({ DeletedParameters, InvalidParameters }).toEqual({
      DeletedParameters: ['/made/in-moto', '/made/here'],
      InvalidParameters: ['/made/nowhere'],
    });
    await door.eventsSettled();
    expect(details(door.events())).toEqual([
      { operation: 'Create', name: '/made/here', type: 'String', description: '' },
      { operation: 'Delete', name: '/made/in-moto', type: 'SecureString', description: 'secret' },
      { operation: 'Delete', name: '/made/here', type: 'String', description: '' },
    ]);
  });

  it('forgets what it knew of parameters when moto is reset through it', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/reset/me', Value: 'v', Type: 'String', Description: 'before' }));
    const reset = await fetch(`${door.endpoint}/moto-api/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    const direct = new SSMClient({ endpoint: moto.endpoint, region, credentials, maxAttempts: 1 });
    try {
      await direct.send(
        new PutParameterCommand({ Name: '/reset/me', Value: 'v', Type: 'SecureString', Description: 'after' }),
      );
    } finally {
      direct.destroy();
    }
    await ssm.send(new DeleteParameterCommand({ Name: '/reset/me' }));
    await door.eventsSettled();
    expect(details(door.events()).at(-1)).toEqual({
      operation: 'Delete',
      name: '/reset/me',
      type: 'SecureString',
      description: 'after',
    });
  });

  it('emits in the account and region of the caller’s credentials', async () => {
    const sts = new STSClient({ endpoint: door.endpoint, region, credentials, maxAttempts: 1 });
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::444444444444:role/org-budgets-spoke', RoleSessionName: 'hub' }),
    );
    sts.destroy();
    const spokeSsm = new SSMClient({
      endpoint: door.endpoint,
      region: 'us-west-2',
      maxAttempts: 1,
      credentials: {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      },
    });
    try {
      await spokeSsm.send(new PutParameterCommand({ Name: '/spoke', Value: 'v', Type: 'String' }));
      await spokeSsm.send(new DeleteParameterCommand({ Name: '/spoke' }));
    } finally {
      spokeSsm.destroy();
    }
    await door.eventsSettled();
    expect(
      door.events().map((event) => [event.account, event.region, event.resources[0], event.detail.operation]),
    ).toEqual([
      ['444444444444', 'us-west-2', 'arn:aws:ssm:us-west-2:444444444444:parameter/spoke', 'Create'],
      ['444444444444', 'us-west-2', 'arn:aws:ssm:us-west-2:444444444444:parameter/spoke', 'Delete'],
    ]);
  });

  it('never delays the call for a listener, and survives listeners that throw', async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const received: EmittedEvent[] = [];
    const slowListenerHolds: (() => void)[] = [];
    const unsubscribers = [
      door.onEvent(() => {
        throw new Error('listener bug');
      }),
      door.onEvent(() => new Promise<void>((resolve) => slowListenerHolds.push(resolve))),
      door.onEvent((event) => {
        received.push(event);
      }),
    ];
    try {
      const started = Date.now();
      await ssm.send(new PutParameterCommand({ Name: '/listened', Value: 'v', Type: 'String' }));
      expect(Date.now() - started).toBeLessThan(2000);
      await waitFor(() => received.length === 1);
      const [event] = received;
      expect(event?.detail).toEqual({ operation: 'Create', name: '/listened', type: 'String', description: '' });
      const logged = write.mock.calls.map(([text]) => String(text)).join('');
      expect(logged).toContain(`an event listener failed on event ${event?.id ?? '?'}`);

      // The door still answers, and the slow listener holds only eventsSettled().
      await ssm.send(new PutParameterCommand({ Name: '/listened', Value: 'w', Overwrite: true }));
      await waitFor(() => received.length === 2);
      let settled = false;
      const settling = door.eventsSettled().then(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(settled).toBe(false);
      for (const release of slowListenerHolds) release();
      await settling;
    } finally {
      for (const unsubscribe of unsubscribers) unsubscribe();
      write.mockRestore();
    }
    await ssm.send(new DeleteParameterCommand({ Name: '/listened' }));
    await door.eventsSettled();
    expect(received).toHaveLength(2);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not met');
}
