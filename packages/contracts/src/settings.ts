import * as z from 'zod/mini';

/**
 * Values the templates (services/hub/serverless.yml, services/spoke/serverless.yml) put in more
 * than one function's environment, each with the message a function fails with at cold start
 * when the template gives something else (`readFunctionConfig`, packages/aws). Functions, not
 * constants: a bundle builds only the ones its configuration reads, when it reads it.
 */

/** An AWS partition: `aws`, `aws-cn`, `aws-us-gov`, … (ARNs the function writes are built with it). */
export const awsPartitionSetting = () =>
  z.string().check(z.regex(/^aws(-[a-z]+)*$/, 'must be an AWS partition such as aws, aws-cn or aws-us-gov'));

/** An SNS topic ARN (an alerts or notices topic). */
export const snsTopicArnSetting = () =>
  z.string().check(z.regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/, 'must be an SNS topic ARN'));

/** An unqualified Lambda function ARN (enforce-spend's or delay-guardian-check's: the guardian's checks invoke them). */
export const lambdaFunctionArnSetting = () =>
  z
    .string()
    .check(
      z.regex(
        /^arn:aws[\w-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[\w-]{1,64}$/,
        'must be a Lambda function ARN',
      ),
    );
