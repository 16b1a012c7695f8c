import * as z from 'zod/mini';

/** Settings more than one spoke function reads from its environment. */

/** An unqualified Lambda function ARN (enforce-spend's, which the guardian's checks invoke). */
export const lambdaFunctionArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws[\w-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[\w-]{1,64}$/,
      'must be a Lambda function ARN',
    ),
  );
