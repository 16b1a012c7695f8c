/** Error codes the Budgets emulation answers with (the model's exception shapes, plus the front end's own). */
export type BudgetsErrorCode =
  | 'AccessDeniedException'
  | 'CreationLimitExceededException'
  | 'DuplicateRecordException'
  | 'ExpiredNextTokenException'
  | 'InternalErrorException'
  | 'InvalidNextTokenException'
  | 'InvalidParameterException'
  | 'NotFoundException'
  | 'ServiceQuotaExceededException'
  | 'ThrottlingException'
  /** Not in the model: AWS's front end answers with it for a request that breaks a model constraint. */
  | 'ValidationException'
  /** Not in the model: the body is not JSON, or a value has the wrong JSON type. */
  | 'SerializationException'
  /** Not in the model: an X-Amz-Target this service does not have, or one the emulation does not serve. */
  | 'UnknownOperationException';

/** An AWS Budgets error: rendered as `{"__type": code, "Message": message}` with `httpStatus`. */
export class BudgetsError extends Error {
  override readonly name = 'BudgetsError';
  constructor(
    readonly code: BudgetsErrorCode,
    message: string,
    readonly httpStatus = code === 'InternalErrorException' ? 500 : 400,
  ) {
    super(message);
  }
}

export function isBudgetsError(error: unknown): error is BudgetsError {
  return error instanceof BudgetsError;
}
