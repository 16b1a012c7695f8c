import { DEFAULT_LOCKDOWN_APIS, lockdownApisOf, stateThresholdsOf } from './budget-state';
import { validateBudgetItem } from './budget-item';

const base = { accountId: '111111111111', budgetName: 'research', amount: 1000 };
const problemsOf = (input: Record<string, unknown>) => {
  const result = validateBudgetItem({ ...base, ...input });
  return result.valid ? [] : result.problems.map((p) => `${p.attribute} ${p.reason}`);
};

describe('stateThresholds on an item', () => {
  it('is optional; the defaults fill what it leaves out', () => {
    const result = validateBudgetItem({ ...base, stateThresholds: { shutdownAt: 120 } });
    expect(result.valid && result.item.stateThresholds).toEqual({ shutdownAt: 120 });
    expect(stateThresholdsOf({ shutdownAt: 120 })).toEqual({
      unusedBelow: 1,
      onTargetAt: 80,
      overAt: 100,
      criticalAt: 90,
      shutdownAt: 120,
    });
  });

  it('refuses unknown keys, values out of range, and thresholds out of order', () => {
    expect(problemsOf({ stateThresholds: { shutdown: 100 } })).toEqual([
      'stateThresholds has unknown keys "shutdown" (allowed: unusedBelow, onTargetAt, overAt, criticalAt, shutdownAt)',
    ]);
    expect(problemsOf({ stateThresholds: { overAt: 1001 } })).toEqual([
      'stateThresholds.overAt must be 0 to 1000 (percent), got 1001',
    ]);
    expect(problemsOf({ stateThresholds: { criticalAt: 110 } })[0]).toContain('criticalAt ≤ shutdownAt');
  });
});

describe('lockdown on an item', () => {
  it('defaults to mode notify at Shutdown with the default APIs', () => {
    const result = validateBudgetItem({ ...base, lockdown: {} });
    expect(result.valid && result.item.lockdown).toEqual({ mode: 'notify', at: 'Shutdown' });
    expect(result.valid && result.item.lockdown && lockdownApisOf(result.item.lockdown)).toEqual([
      ...DEFAULT_LOCKDOWN_APIS,
    ]);
  });

  it('keeps the APIs sorted, each once', () => {
    const result = validateBudgetItem({
      ...base,
      lockdown: { mode: 'enforce', at: 'Critical', apis: new Set(['sagemaker:Create*', 'ec2:RunInstances']) },
    });
    expect(result.valid && result.item.lockdown).toEqual({
      mode: 'enforce',
      at: 'Critical',
      apis: ['ec2:RunInstances', 'sagemaker:Create*'],
    });
  });

  it('refuses a state it cannot apply at, a malformed API, and the services org-budgets needs', () => {
    expect(problemsOf({ lockdown: { at: 'Under' } })).toEqual([
      'lockdown.at must be one of Over, Critical, Shutdown, got "Under"',
    ]);
    expect(problemsOf({ lockdown: { apis: ['RunInstances'] } })[0]).toContain('must be service:Action');
    expect(problemsOf({ lockdown: { apis: ['ssm:PutParameter'] } })[0]).toContain(
      'must not deny "ssm:PutParameter": org-budgets needs ssm',
    );
    expect(problemsOf({ lockdown: { apis: [] } })[0]).toContain('needs at least one API');
  });
});

describe('the system attributes of spend, state and lockdown', () => {
  it('are accepted on an item and never part of it', () => {
    const result = validateBudgetItem({
      ...base,
      spend: { actual: 1 },
      state: 'Under',
      stateDetail: {},
      lockdownStatus: { status: 'LIFTED' },
    });
    expect(result.valid && Object.keys(result.item)).not.toEqual(expect.arrayContaining(['spend']));
    expect(result.valid && result.item).not.toHaveProperty('state');
  });
});

describe('maps that are not maps', () => {
  it('say what stateThresholds and lockdown must be, and name lockdown’s unknown keys', () => {
    expect(problemsOf({ stateThresholds: 5 })).toEqual([
      'stateThresholds must be a map of thresholds (percent of the amount)',
    ]);
    expect(problemsOf({ lockdown: 'Shutdown' })).toEqual(['lockdown must be a map with mode, at and apis']);
    expect(problemsOf({ lockdown: { mode: 'enforce', when: 'Shutdown' } })).toEqual([
      'lockdown has unknown keys "when" (allowed: mode, at, apis)',
    ]);
  });
});
