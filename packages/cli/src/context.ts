import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { awsClientConfig, readCallerArn, readOrganizationTree, scanBudgetItemImages } from '@org-budgets/aws';
import { cliEditedBy, OrgBudgetsError, type EditedBy } from '@org-budgets/contracts';
import { tableEntry, type TableEntry } from './budget-table';
import { OrganizationDirectory } from './organization-directory';
import { describeError, type TableTarget } from './propagation';

/** What every command writes to and reads from; the binary passes the process's. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  /** The directory relative file names are read from and written to. */
  cwd: string;
}

/** Options every command takes (where to find the table). */
export interface GlobalOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  table?: string;
  stage?: string;
}

/** A failure the command line reports in one line, with exit code 1 (2 for a usage error). */
export class CliError extends OrgBudgetsError {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The AWS clients and the table of one run; `close()` ends their connections. */
export class CliContext implements TableTarget {
  readonly ddb: DynamoDBClient;
  readonly organizations: OrganizationsClient;
  readonly tableName: string;
  /** The hub's edit history (docs/history.md): the table's name with `-history`. */
  readonly historyTableName: string;
  private readonly clientConfig: Record<string, unknown>;
  private callerArn?: Promise<string>;

  constructor(
    readonly options: GlobalOptions,
    readonly io: CliIo,
  ) {
    const region = options.region ?? io.env['AWS_REGION'] ?? io.env['AWS_DEFAULT_REGION'];
    const endpoint = options.endpointUrl ?? io.env['AWS_ENDPOINT_URL'];
    const config = {
      ...awsClientConfig(),
      ...(region ? { region } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(endpoint ? { endpoint } : {}),
    };
    this.clientConfig = config;
    this.ddb = new DynamoDBClient(config);
    this.organizations = new OrganizationsClient(config);
    this.tableName =
      options.table ??
      io.env['ORG_BUDGETS_TABLE'] ??
      `org-budgets-${options.stage ?? io.env['ORG_BUDGETS_STAGE'] ?? 'prod'}`;
    this.historyTableName = io.env['ORG_BUDGETS_HISTORY_TABLE'] ?? `${this.tableName}-history`;
  }

  /**
   * What the command line writes as an item's `editedBy`: the caller's ARN (STS
   * GetCallerIdentity, asked once per run), the tool and the time; `delete` marks a deletion.
   */
  async editedBy(action?: 'delete'): Promise<EditedBy> {
    this.callerArn ??= readCallerArn(this.clientConfig);
    try {
      return cliEditedBy(await this.callerArn, new Date(), action);
    } catch (error) {
      throw new CliError(`could not read the caller's identity (STS GetCallerIdentity): ${describeError(error)}`);
    }
  }

  /** The organization (accounts, OUs); fails with a message saying what is needed. */
  async directory(): Promise<OrganizationDirectory> {
    try {
      return new OrganizationDirectory(await readOrganizationTree(this.organizations));
    } catch (error) {
      throw new CliError(
        `could not read the organization (${describeError(error)}): org-budgets needs the credentials of the ` +
          'management account (or a delegated administrator) with organizations:ListRoots, ' +
          'ListOrganizationalUnitsForParent and ListAccountsForParent',
      );
    }
  }

  /** Every item of the table. */
  async tableEntries(): Promise<TableEntry[]> {
    try {
      const images = await scanBudgetItemImages(this.ddb, this.tableName);
      return images.map(tableEntry);
    } catch (error) {
      throw this.tableError(error);
    }
  }

  tableError(error: unknown): CliError {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') {
      return new CliError(
        `the table ${this.tableName} does not exist here: give --table (or ORG_BUDGETS_TABLE), or --stage of the hub's deploy`,
      );
    }
    return new CliError(`could not read the table ${this.tableName}: ${describeError(error)}`);
  }

  close(): void {
    this.ddb.destroy();
    this.organizations.destroy();
  }
}
