import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';
import {
  BUDGET_PARAMETER_PREFIX,
  budgetNameFromParameterName,
  budgetParameterName,
  parseBudgetParameter,
  serializeBudgetParameter,
  type BudgetParameter,
  type BudgetParameterParse,
} from '@org-budgets/contracts';
import { SpokeParameterError } from '../errors';
import type { SpokeCredentials } from '../sts/spoke-credentials';

/** What the spoke currently holds for one budget: the value as stored, and what it parses to. */
export type CurrentBudgetParameter = { exists: false } | ({ exists: true; value: string } & BudgetParameterParse);

/** A budget parameter of a spoke, as listed. */
export interface ListedBudgetParameter {
  budgetName: string;
  value: string;
  lastModified: Date | undefined;
}

/** The hub's view of the budget parameters in its spokes, one SSM client per account. */
export interface SpokeParameters {
  get(accountId: string, budgetName: string): Promise<CurrentBudgetParameter>;
  /** Writes the document; `value` is its serialized form when the caller has it already (its digest was taken). */
  put(accountId: string, parameter: BudgetParameter, value?: string): Promise<void>;
  /** Every budget parameter of the account (GetParametersByPath, all pages). */
  list(accountId: string): Promise<ListedBudgetParameter[]>;
  /** Returns false when there was no parameter to delete. */
  delete(accountId: string, budgetName: string): Promise<boolean>;
}

/** Reads a budget parameter with any SSM client (the hub's per-account one, or a spoke's own). */
export async function getBudgetParameter(ssm: SSMClient, budgetName: string): Promise<CurrentBudgetParameter> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: budgetParameterName(budgetName) }));
    const value = Parameter?.Value ?? '';
    return { exists: true, value, ...parseBudgetParameter(value) };
  } catch (error) {
    if (error instanceof ParameterNotFound || (error as Error).name === 'ParameterNotFound') return { exists: false };
    throw error;
  }
}

/** Every budget parameter under /org-budgets/budgets/ (GetParametersByPath, all pages), with any SSM client. */
export async function listBudgetParameters(ssm: SSMClient): Promise<ListedBudgetParameter[]> {
  const listed: ListedBudgetParameter[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({
        // One level: a budget name holds no "/".
        Path: BUDGET_PARAMETER_PREFIX.replace(/\/$/, ''),
        MaxResults: 10,
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    for (const p of page.Parameters ?? []) {
      const budgetName = budgetNameFromParameterName(p.Name ?? '');
      if (budgetName) listed.push({ budgetName, value: p.Value ?? '', lastModified: p.LastModifiedDate });
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return listed;
}

/** The names of every budget parameter (GetParametersByPath, all pages), with any SSM client. */
export async function listBudgetParameterNames(ssm: SSMClient): Promise<string[]> {
  return (await listBudgetParameters(ssm)).map((parameter) => parameter.budgetName);
}

/** Every budget parameter, read and parsed, by budget name (GetParametersByPath, all pages), with any SSM client. */
export async function readBudgetParameters(ssm: SSMClient): Promise<Map<string, CurrentBudgetParameter>> {
  const listed = await listBudgetParameters(ssm);
  return new Map(
    listed.map(({ budgetName, value }) => [budgetName, { exists: true, value, ...parseBudgetParameter(value) }]),
  );
}

export function createSpokeParameters(
  credentials: SpokeCredentials,
  clientConfig: Omit<SSMClientConfig, 'credentials'> = {},
): SpokeParameters {
  const clients = new Map<string, SSMClient>();
  const ssmFor = (accountId: string): SSMClient => {
    let client = clients.get(accountId);
    if (!client) {
      client = new SSMClient({ ...clientConfig, credentials: () => credentials.forAccount(accountId) });
      clients.set(accountId, client);
    }
    return client;
  };

  async function call<T>(accountId: string, name: string, operation: string, run: () => Promise<T>): Promise<T> {
    // Assume the spoke role first, so that a missing role fails as SpokeRoleUnavailableError
    // and not as an SSM error; the client's credential provider then reads the same cache.
    await credentials.forAccount(accountId);
    try {
      return await run();
    } catch (error) {
      throw new SpokeParameterError(accountId, name, operation, error);
    }
  }

  return {
    async get(accountId, budgetName) {
      const name = budgetParameterName(budgetName);
      return call(accountId, name, 'GetParameter', () => getBudgetParameter(ssmFor(accountId), budgetName));
    },
    async list(accountId) {
      return call(accountId, BUDGET_PARAMETER_PREFIX, 'GetParametersByPath', () =>
        listBudgetParameters(ssmFor(accountId)),
      );
    },
    async put(accountId, parameter, value) {
      const name = budgetParameterName(parameter.budgetName);
      await call(accountId, name, 'PutParameter', () =>
        ssmFor(accountId).send(
          new PutParameterCommand({
            Name: name,
            Value: value ?? serializeBudgetParameter(parameter),
            Type: 'String',
            Overwrite: true,
            // Validation keeps every document within 4 KB: Standard, never the Advanced tier
            // (which costs money and cannot be undone).
            Tier: 'Standard',
            Description: `org-budgets: budget ${parameter.budgetName}, revision ${parameter.revision}`,
          }),
        ),
      );
    },
    async delete(accountId, budgetName) {
      const name = budgetParameterName(budgetName);
      return call(accountId, name, 'DeleteParameter', async () => {
        try {
          await ssmFor(accountId).send(new DeleteParameterCommand({ Name: name }));
          return true;
        } catch (error) {
          if (error instanceof ParameterNotFound || (error as Error).name === 'ParameterNotFound') return false;
          throw error;
        }
      });
    },
  };
}
