/** An sns:Publish that moto accepted (what the front door saw, plus the MessageId moto answered). */
export interface SnsPublish {
  topicArn: string;
  message: string;
  messageId: string;
  subject?: string;
  /** `json`: `message` holds one message per protocol ("email", "default"...). */
  messageStructure?: string;
  /** When it was published; now by default. */
  timestamp?: Date;
  /** The publish's MessageAttributes, for subscriptions' filter policies. */
  messageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
}

/**
 * The publish a successful sns:Publish request made, from the request and moto's answer (JSON
 * or XML); undefined when the request lacks a topic or a message or the answer a MessageId.
 */
export function snsPublishOf(
  request: Record<string, unknown>,
  response: unknown,
  raw: string,
  timestamp: Date,
): SnsPublish | undefined {
  const messageId =
    (response as { MessageId?: string } | undefined)?.MessageId ?? /<MessageId>([^<]+)<\/MessageId>/.exec(raw)?.[1];
  const topicArn = request['TopicArn'];
  if (typeof topicArn !== 'string' || typeof request['Message'] !== 'string' || !messageId) return undefined;
  return {
    topicArn,
    message: request['Message'],
    messageId,
    ...(typeof request['Subject'] === 'string' ? { subject: request['Subject'] } : {}),
    ...(typeof request['MessageStructure'] === 'string' ? { messageStructure: request['MessageStructure'] } : {}),
    messageAttributes: snsMessageAttributes(request),
    timestamp,
  };
}

/**
 * The MessageAttributes of an SNS Publish request: the JSON protocol's map, or the query
 * protocol's flattened `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`.
 */
export function snsMessageAttributes(
  request: Record<string, unknown>,
): Record<string, { DataType: string; StringValue?: string }> {
  const attributes: Record<string, { DataType: string; StringValue?: string }> = {};
  const map = request['MessageAttributes'];
  if (map && typeof map === 'object') {
    for (const [name, value] of Object.entries(map as Record<string, { DataType?: unknown; StringValue?: unknown }>)) {
      if (typeof value?.DataType !== 'string') continue;
      attributes[name] = {
        DataType: value.DataType,
        ...(typeof value.StringValue === 'string' ? { StringValue: value.StringValue } : {}),
      };
    }
  }
  for (const [key, name] of Object.entries(request)) {
    const entry = /^MessageAttributes\.entry\.(\d+)\.Name$/.exec(key);
    if (!entry || typeof name !== 'string') continue;
    const prefix = `MessageAttributes.entry.${entry[1]}.Value.`;
    const dataType = request[`${prefix}DataType`];
    const stringValue = request[`${prefix}StringValue`];
    if (typeof dataType !== 'string') continue;
    attributes[name] = { DataType: dataType, ...(typeof stringValue === 'string' ? { StringValue: stringValue } : {}) };
  }
  return attributes;
}
