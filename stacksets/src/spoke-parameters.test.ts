import {
  containsSentinel,
  sentinelFor,
  sentinelsForService,
  serviceParamNames,
  SERVICE_PARAMS,
  STACKSET_PARAMETERS,
} from './spoke-parameters';

describe('serviceParamNames', () => {
  it('lists each ${param:…} of a serverless.yml once, in order of first use', () => {
    const yml =
      "RoleName: ${param:spokeRoleName}\nArn: '${param:hubStatusBusArn}'\nAgain: ${param:spokeRoleName}\nOr: ${param:alertEmail, ''}";

    expect(serviceParamNames(yml)).toEqual(['spokeRoleName', 'hubStatusBusArn', 'alertEmail']);
  });
});

describe('sentinelsForService', () => {
  it('maps the sentinel of each param to its StackSet parameter', () => {
    expect(sentinelsForService(['spokeRoleName'])).toEqual(
      new Map([['ORGBUDGETSPARAMspokeRoleName', 'SpokeRoleName']]),
    );
  });

  it('fails on a param the StackSet template has no parameter for, saying where to add it', () => {
    expect(() => sentinelsForService(['spokeRoleName', 'newThing'])).toThrow(
      /\$\{param:newThing\}.*spoke-parameters\.ts/,
    );
  });
});

describe('the StackSet parameters', () => {
  it('stand in for every param the spoke service may use', () => {
    for (const parameter of Object.values(SERVICE_PARAMS)) expect(STACKSET_PARAMETERS).toHaveProperty(parameter);
  });

  it('hide the ExternalId', () => {
    expect(STACKSET_PARAMETERS.SpokeExternalId.NoEcho).toBe(true);
  });

  it('have sentinels no other sentinel starts with', () => {
    const sentinels = Object.keys(SERVICE_PARAMS).map(sentinelFor);

    for (const a of sentinels) for (const b of sentinels) if (a !== b) expect(b.startsWith(a)).toBe(false);
    expect(sentinels.every(containsSentinel)).toBe(true);
  });
});
