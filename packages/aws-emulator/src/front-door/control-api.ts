/**
 * The front door's own HTTP API, under CONTROL_PREFIX (never forwarded): latency and fault rules,
 * the call log, budgets' spend, emitted events, simulated Batch jobs and their settings.
 */
import type { ServerResponse } from 'node:http';
import type { BatchJobSimulator, BatchSimulationSettings } from '../batch/batch-simulator';
import { BudgetsError } from '../budgets/budgets-errors';
import type { BudgetSpendUpdate, BudgetsStore } from '../budgets/budgets-store';
import type { LocalEventBus } from '../events/event-bus';
import { parseFaultRules, parseLatencyRules } from '../injection-rules';
import type { CallLog } from './call-log';
import { parseJson, sendJson } from './http';
import type { Injections } from './injections';

/** Paths under this prefix are the front door's own control API and never forwarded. */
export const CONTROL_PREFIX = '/_front-door/';

/** What the control API reads and changes. */
export interface ControlTargets {
  injections: Injections;
  calls: CallLog;
  budgetsStore: BudgetsStore;
  bus: LocalEventBus;
  batchSimulator: BatchJobSimulator;
}

/** Answers one call of the control API (`url` starts with CONTROL_PREFIX). */
export function handleControl(
  targets: ControlTargets,
  method: string,
  url: string,
  body: Buffer,
  res: ServerResponse,
): void {
  const { injections, calls, budgetsStore, bus, batchSimulator } = targets;
  const route = `${method} ${url.split('?')[0] ?? ''}`;
  try {
    switch (route) {
      case `POST ${CONTROL_PREFIX}latency`:
        sendJson(res, 200, { latency: injections.setLatency(parseLatencyRules(parseJson(body), 'latency rules')) });
        return;
      case `POST ${CONTROL_PREFIX}faults`:
        sendJson(res, 200, { faults: injections.setFaults(parseFaultRules(parseJson(body), 'fault rules')) });
        return;
      case `DELETE ${CONTROL_PREFIX}injections`:
        injections.clear();
        sendJson(res, 200, { latency: 0, faults: 0 });
        return;
      case `GET ${CONTROL_PREFIX}calls`:
        sendJson(res, 200, calls.summary());
        return;
      case `DELETE ${CONTROL_PREFIX}calls`:
        calls.clear();
        sendJson(res, 200, calls.summary());
        return;
      case `POST ${CONTROL_PREFIX}budgets/spend`: {
        const update = parseSpendUpdate(parseJson(body));
        budgetsStore.setSpend(update);
        sendJson(res, 200, {
          budget: budgetsStore.describeBudget(update.accountId, update.budgetName),
        });
        return;
      }
      case `GET ${CONTROL_PREFIX}budgets`:
        sendJson(res, 200, { budgets: budgetsStore.snapshot() });
        return;
      case `DELETE ${CONTROL_PREFIX}budgets`:
        budgetsStore.reset();
        sendJson(res, 200, { budgets: 0 });
        return;
      case `GET ${CONTROL_PREFIX}events`:
        sendJson(res, 200, { events: bus.events() });
        return;
      case `DELETE ${CONTROL_PREFIX}events`:
        bus.clear();
        sendJson(res, 200, { events: 0 });
        return;
      case `GET ${CONTROL_PREFIX}batch/jobs`:
        sendJson(res, 200, { jobs: batchSimulator.snapshot() });
        return;
      case `DELETE ${CONTROL_PREFIX}batch/jobs`:
        batchSimulator.reset();
        sendJson(res, 200, { jobs: 0 });
        return;
      case `GET ${CONTROL_PREFIX}batch/simulation`:
        sendJson(res, 200, { simulation: batchSimulator.settings() });
        return;
      case `POST ${CONTROL_PREFIX}batch/simulation`:
        sendJson(res, 200, { simulation: batchSimulator.configure(parseBatchSimulation(parseJson(body))) });
        return;
      default:
        sendJson(res, 404, { message: `front door: no control route ${route}` });
    }
  } catch (error) {
    if (error instanceof BudgetsError) {
      sendJson(res, error.code === 'NotFoundException' ? 404 : 400, { __type: error.code, message: error.message });
      return;
    }
    sendJson(res, 400, { message: error instanceof Error ? error.message : String(error) });
  }
}

/** The body of POST /_front-door/batch/simulation: `{ defaultRunSeconds?, stepDelayMs? }`. */
function parseBatchSimulation(value: unknown): Partial<BatchSimulationSettings> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('batch simulation must be an object { defaultRunSeconds?, stepDelayMs? }');
  }
  const { defaultRunSeconds, stepDelayMs, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`batch simulation has unknown field(s): ${unknown.join(', ')}`);
  const settings: Partial<BatchSimulationSettings> = {};
  for (const [name, setting] of Object.entries({ defaultRunSeconds, stepDelayMs })) {
    if (setting === undefined) continue;
    if (typeof setting !== 'number') throw new Error(`batch simulation: ${name} must be a number`);
    settings[name as keyof BatchSimulationSettings] = setting;
  }
  return settings;
}

/** The body of POST /_front-door/budgets/spend. */
function parseSpendUpdate(value: unknown): BudgetSpendUpdate {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('budget spend must be an object { accountId, budgetName, actual, forecasted? }');
  }
  const { accountId, budgetName, actual, forecasted, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`budget spend has unknown field(s): ${unknown.join(', ')}`);
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) {
    throw new Error('budget spend: accountId must be a 12-digit string');
  }
  if (typeof budgetName !== 'string' || budgetName === '')
    throw new Error('budget spend: budgetName must be a non-empty string');
  const isAmount = (amount: unknown): amount is number | string =>
    typeof amount === 'number' || typeof amount === 'string';
  if (!isAmount(actual)) throw new Error('budget spend: actual must be a number or a decimal string');
  if (forecasted !== undefined && forecasted !== null && !isAmount(forecasted)) {
    throw new Error('budget spend: forecasted must be a number, a decimal string or null');
  }
  return { accountId, budgetName, actual, ...(forecasted === undefined ? {} : { forecasted }) };
}
