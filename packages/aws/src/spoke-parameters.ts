import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';
import {
  budgetParameterName,
  parseBudgetParameter,
  serializeBudgetParameter,
  type BudgetParameter,
  type BudgetParameterParse,
} from '@org-budgets/contracts';
import { SpokeParameterError } from './errors';
import type { SpokeCredentials } from './spoke-credentials';

/** What the spoke currently holds for one budget. */
export type CurrentBudgetParameter = { exists: false } | ({ exists: true } & BudgetParameterParse);

/** The hub's view of the budget parameters in its spokes, one SSM client per account. */
export interface SpokeParameters {
  get(accountId: string, budgetName: string): Promise<CurrentBudgetParameter>;
  put(accountId: string, parameter: BudgetParameter): Promise<void>;
  /** Returns false when there was no parameter to delete. */
  delete(accountId: string, budgetName: string): Promise<boolean>;
}

/** Reads a budget parameter with any SSM client (the hub's per-account one, or a spoke's own). */
export async function getBudgetParameter(ssm: SSMClient, budgetName: string): Promise<CurrentBudgetParameter> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: budgetParameterName(budgetName) }));
    return { exists: true, ...parseBudgetParameter(Parameter?.Value ?? '') };
  } catch (error) {
    if (error instanceof ParameterNotFound || (error as Error).name === 'ParameterNotFound') return { exists: false };
    throw error;
  }
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
    async put(accountId, parameter) {
      const name = budgetParameterName(parameter.budgetName);
      await call(accountId, name, 'PutParameter', () =>
        ssmFor(accountId).send(
          new PutParameterCommand({
            Name: name,
            Value: serializeBudgetParameter(parameter),
            Type: 'String',
            Overwrite: true,
            // Standard while the document fits in 4 KB, Advanced only when it must.
            Tier: 'Intelligent-Tiering',
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
