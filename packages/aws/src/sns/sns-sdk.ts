/**
 * The SNS client and the commands the adapters send. Imported on first use only (`loadSnsSdk`),
 * never statically: alerts and notices are rare, and a function loads SNS's schemas when it
 * publishes, not at every cold start.
 */
export { PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
