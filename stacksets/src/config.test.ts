import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { operationPreferences, parseRolloutConfig, RolloutConfigError, spokeExternalId } from './config';

const minimal = {
  targets: { organizationalUnitIds: ['ou-abcd-11111111'], regions: ['us-east-1'] },
  artifactBucketPrefix: 'org-budgets-artifacts-999999999999',
  hub: {
    accountId: '999999999999',
    propagationRoleArn: 'arn:aws:iam::999999999999:role/org-budgets-hub-prod-propagation',
    statusBusArn: 'arn:aws:events:us-east-1:999999999999:event-bus/org-budgets-prod-status',
  },
};

describe('parseRolloutConfig', () => {
  it('fills in the defaults', () => {
    const config = parseRolloutConfig(minimal, 'test');

    expect(config).toMatchObject({
      stackSetName: 'org-budgets-spoke',
      stackSetRegion: 'us-east-1',
      callAs: 'SELF',
      spoke: { roleName: 'org-budgets-spoke', alertEmail: '' },
      spokeExternalIdEnv: 'SPOKE_EXTERNAL_ID',
      operationPreferences: {},
      operationTimeoutMinutes: 120,
      tags: {},
    });
  });

  it('accepts the documented example', async () => {
    const example = JSON.parse(await readFile(join(__dirname, '..', 'config.example.json'), 'utf8')) as unknown;

    expect(() => parseRolloutConfig(example, 'config.example.json')).not.toThrow();
  });

  it('refuses a hub role that is not in the hub account', () => {
    const config = { ...minimal, hub: { ...minimal.hub, propagationRoleArn: 'arn:aws:iam::888888888888:role/x' } };

    expect(() => parseRolloutConfig(config, 'test')).toThrow(/propagationRoleArn is not in hub.accountId/);
  });

  it('takes the guardian schedule and price overrides, and refuses bad ones by name', () => {
    const spoke = { roleName: 'org-budgets-spoke', alertEmail: '' };
    const config = parseRolloutConfig(
      {
        ...minimal,
        spoke: { ...spoke, guardianSchedule: 'rate(1 minute)', guardianPrices: { fargateSpotDiscount: 0.6 } },
      },
      'test',
    );
    expect(config.spoke).toMatchObject({
      guardianSchedule: 'rate(1 minute)',
      guardianPrices: { fargateSpotDiscount: 0.6 },
    });
    expect(() =>
      parseRolloutConfig({ ...minimal, spoke: { ...spoke, guardianSchedule: 'every 5 min' } }, 'test'),
    ).toThrow(/schedule expression[\s\S]*spoke.guardianSchedule/);
    expect(() =>
      parseRolloutConfig({ ...minimal, spoke: { ...spoke, guardianPrices: { fargat: {} } } }, 'test'),
    ).toThrow(/guardianPrices/);
  });

  it('refuses unknown keys, so that a typo is not silently ignored', () => {
    expect(() => parseRolloutConfig({ ...minimal, region: 'us-east-1' }, 'test')).toThrow(RolloutConfigError);
  });

  it('refuses both a percentage and a count for the same preference', () => {
    const config = { ...minimal, operationPreferences: { maxConcurrentPercentage: 10, maxConcurrentCount: 2 } };

    expect(() => parseRolloutConfig(config, 'test')).toThrow(/not both/);
  });

  it("refuses regions other than the hub's alone (the spoke is one per account)", () => {
    const twoRegions = { ...minimal, targets: { ...minimal.targets, regions: ['us-east-1', 'eu-west-1'] } };
    const otherRegion = { ...minimal, targets: { ...minimal.targets, regions: ['eu-west-1'] } };

    expect(() => parseRolloutConfig(twoRegions, 'test')).toThrow(/must be exactly the hub's region/);
    expect(() => parseRolloutConfig(otherRegion, 'test')).toThrow(/must be exactly the hub's region/);
  });

  it('refuses an OU id that is not one', () => {
    expect(() =>
      parseRolloutConfig({ ...minimal, targets: { ...minimal.targets, organizationalUnitIds: ['spokes'] } }, 'test'),
    ).toThrow(/must be an OU id/);
  });
});

describe('operationPreferences', () => {
  it('defaults to one region at a time, a quarter of the accounts at once, stopping at the first failure', () => {
    expect(operationPreferences({})).toEqual({
      RegionConcurrencyType: 'SEQUENTIAL',
      MaxConcurrentPercentage: 25,
      FailureTolerancePercentage: 0,
    });
  });

  it('lets a count replace the default percentage', () => {
    expect(
      operationPreferences({ maxConcurrentCount: 5, failureToleranceCount: 1, regionConcurrencyType: 'PARALLEL' }),
    ).toEqual({
      RegionConcurrencyType: 'PARALLEL',
      MaxConcurrentCount: 5,
      FailureToleranceCount: 1,
    });
  });
});

describe('spokeExternalId', () => {
  const config = parseRolloutConfig(minimal, 'test');

  it('reads the ExternalId from the configured variable', () => {
    expect(spokeExternalId(config, { SPOKE_EXTERNAL_ID: 'abc-123' })).toBe('abc-123');
  });

  it('says which variable to set when it is missing', () => {
    expect(() => spokeExternalId(config, {})).toThrow(/SPOKE_EXTERNAL_ID is not set/);
  });
});
