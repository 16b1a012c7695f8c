/** Structured fields of one log line. */
export type LogFields = Record<string, unknown>;

/**
 * What a function's core logs through: Powertools' Logger satisfies it, tests pass a recorder.
 * Every line has a message and its fields (ids, counts, the error).
 */
export interface Logger {
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}
