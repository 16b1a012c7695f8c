import type { OperationPreferences } from './config';
import { waitForOperation, type OperationOutcome } from './operation-wait';
import { describeStep, groupInstances, type PlanStep } from './plan';
import type { StackSetApi } from './stackset-api';

export interface TeardownOptions {
  stackSetName: string;
  preferences: OperationPreferences;
  timeoutMs: number;
  dryRun?: boolean;
}

export interface TeardownDeps {
  stackSets: StackSetApi;
  report: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export interface TeardownResult {
  existed: boolean;
  steps: PlanStep[];
  operations: OperationOutcome[];
}

/**
 * Deletes every stack instance of the StackSet (the spoke's resources in each account go with
 * them), waits for each operation, then deletes the StackSet. Nothing to do when it is gone.
 */
export async function removeSpokeStackSet(options: TeardownOptions, deps: TeardownDeps): Promise<TeardownResult> {
  const { stackSetName: name } = options;
  const current = await deps.stackSets.describe(name);
  if (!current) {
    deps.report(`StackSet ${name}: none, nothing to remove`);
    return { existed: false, steps: [], operations: [] };
  }
  const steps: PlanStep[] = groupInstances(current.instances, (i) => i.organizationalUnitId).map((targets) => ({
    kind: 'delete-instances',
    reason: 'removing the StackSet',
    ...targets,
  }));
  deps.report(`StackSet ${name}: ${current.instances.length} stack instance(s) to delete, then the StackSet`);
  steps.forEach((step, index) => deps.report(`${index + 1}. ${describeStep(step)}`));
  if (options.dryRun) return { existed: true, steps, operations: [] };

  const operations: OperationOutcome[] = [];
  for (const step of steps) {
    if (step.kind !== 'delete-instances') continue;
    const operationId = await deps.stackSets.deleteInstances(name, step, options.preferences);
    operations.push(
      await waitForOperation(
        { stackSetName: name, operationId, label: 'delete instances', timeoutMs: options.timeoutMs },
        { api: deps.stackSets, sleep: deps.sleep, now: deps.now, report: deps.report },
      ),
    );
  }
  const left = await deps.stackSets.listInstances(name);
  if (left.length > 0) {
    throw new Error(
      `StackSet ${name} still has ${left.length} stack instance(s) after the deletes: ${left.map((i) => `${i.account} ${i.region}`).join(', ')}`,
    );
  }
  await deps.stackSets.deleteStackSet(name);
  deps.report(`StackSet ${name} deleted`);
  return { existed: true, steps, operations };
}
