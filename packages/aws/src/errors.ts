/** The spoke role could not be assumed: not deployed yet, trust not set up, or access denied. */
export class SpokeRoleUnavailableError extends Error {
  override readonly name = 'SpokeRoleUnavailableError';
  constructor(
    readonly accountId: string,
    readonly roleArn: string,
    override readonly cause: unknown,
  ) {
    super(
      `cannot assume ${roleArn} in account ${accountId}: ${describeError(cause)} (is the spoke deployed in that account, and does its role trust the hub?)`,
    );
  }
}

/** Writing to or reading from the spoke's Parameter Store failed. */
export class SpokeParameterError extends Error {
  override readonly name = 'SpokeParameterError';
  constructor(
    readonly accountId: string,
    readonly parameterName: string,
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`${operation} ${parameterName} in account ${accountId} failed: ${describeError(cause)}`);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { name?: string }).name;
    return code && code !== 'Error' && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
