import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { startFrontDoor, type FrontDoor } from '../front-door';
import { startMotoServer, type MotoServer } from '../moto-server';
import { stopAll } from '../test-support';
import { acceptPutEvents, type BusPut } from './put-events';

const caller = { accountId: '111111111111', region: 'us-east-1' };
const entry = { Source: 'org-budgets.spoke', DetailType: 'Budget Apply Status', Detail: '{"status":"APPLIED"}' };

describe('acceptPutEvents', () => {
  it('puts an entry without a bus on the caller’s default bus, as sent by the caller', () => {
    const { response, puts } = acceptPutEvents({ Entries: [entry] }, caller, new Date('2026-11-23T10:00:00.123Z'));

    expect(response.FailedEntryCount).toBe(0);
    expect(puts).toEqual([
      {
        busAccount: '111111111111',
        region: 'us-east-1',
        busName: 'default',
        event: expect.objectContaining({
          account: '111111111111',
          source: 'org-budgets.spoke',
          'detail-type': 'Budget Apply Status',
          time: '2026-11-23T10:00:00Z',
          detail: { status: 'APPLIED' },
        }),
      },
    ]);
  });

  it('resolves a bus ARN in another account', () => {
    const { puts } = acceptPutEvents(
      {
        Entries: [
          { ...entry, EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/org-budgets-local-status' },
        ],
      },
      caller,
    );

    expect(puts[0]).toMatchObject({ busAccount: '123456789012', busName: 'org-budgets-local-status' });
    expect(puts[0]?.event.account).toBe('111111111111');
  });

  it('refuses entries one by one', () => {
    const { response, puts } = acceptPutEvents(
      { Entries: [entry, { ...entry, Detail: 'not json' }, { ...entry, Source: '' }] },
      caller,
    );

    expect(response.FailedEntryCount).toBe(2);
    expect(response.Entries[1]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(puts).toHaveLength(1);
  });

  it('refuses a request without entries', () => {
    expect(() => acceptPutEvents({ Entries: [] }, caller)).toThrow(/between 1 and 10/);
  });
});

describe('front door with routed bus events', () => {
  let moto: MotoServer;
  let door: FrontDoor;

  beforeAll(async () => {
    moto = await startMotoServer();
    door = await startFrontDoor({ upstream: moto.endpoint, latency: [], faults: [] });
  });
  afterAll(() =>
    stopAll(
      () => door?.stop(),
      () => moto?.stop(),
    ),
  );

  it('answers PutEvents itself and hands each event to the router', async () => {
    const puts: BusPut[] = [];
    door.routeBusEvents((put) => puts.push(put));
    const events = new EventBridgeClient({
      endpoint: door.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });

    const result = await events.send(new PutEventsCommand({ Entries: [entry] }));
    await new Promise((resolve) => setImmediate(resolve));

    expect(result.FailedEntryCount).toBe(0);
    expect(puts).toEqual([expect.objectContaining({ busAccount: '123456789012', busName: 'default' })]);
    expect(puts[0]?.event.id).toBe(result.Entries?.[0]?.EventId);
  });
});
