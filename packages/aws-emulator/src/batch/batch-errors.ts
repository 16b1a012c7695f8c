/**
 * Errors of the AWS Batch API as the simulator answers them. Batch has two error types
 * (API reference, "Common errors" of each operation): ClientException (HTTP 400) for anything
 * wrong with the request, and ServerException (HTTP 500).
 */

export type BatchErrorCode = 'ClientException' | 'ServerException';

/** An error the simulator answers with, rendered as `{ "__type": code, "message": message }`. */
export class BatchError extends Error {
  override readonly name = 'BatchError';

  constructor(
    readonly code: BatchErrorCode,
    message: string,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return this.code === 'ServerException' ? 500 : 400;
  }
}

/** A ClientException (HTTP 400) with AWS's message. */
export function clientException(message: string): BatchError {
  return new BatchError('ClientException', message);
}

/** The answer to a request that is valid for AWS but asks for something the local simulator does not simulate. */
export function notSupportedLocally(what: string): BatchError {
  return clientException(`The local AWS Batch simulator (org-budgets front door) does not support ${what}`);
}
