import type { OutgoingHttpHeaders } from 'node:http';
import type { AwsProtocol } from './aws-call';

export interface AwsErrorSpec {
  /** Error code as AWS sends it, which SDK v3 turns into the error's `name` ('ThrottlingException'). */
  code: string;
  message: string;
  httpStatus: number;
}

export interface AwsErrorResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/**
 * Renders an AWS error the way the service would send it over `protocol`, so SDK clients
 * parse it into an exception named after `code`.
 */
export function renderAwsError(
  protocol: AwsProtocol,
  error: AwsErrorSpec,
  requestId: string,
  requestContentType?: string,
): AwsErrorResponse {
  const { code, message, httpStatus: status } = error;
  const fault = status >= 500 ? 'Receiver' : 'Sender';
  const common = { 'x-amzn-requestid': requestId };
  switch (protocol) {
    case 'json': {
      const contentType = /^application\/x-amz-json-1\.[01]/.test(requestContentType ?? '')
        ? (requestContentType as string)
        : 'application/x-amz-json-1.1';
      return {
        status,
        headers: {
          ...common,
          'content-type': contentType,
          'x-amzn-errortype': code,
          // Read by clients of services that moved from the query protocol to JSON (SQS).
          'x-amzn-query-error': `${code};${fault}`,
        },
        body: Buffer.from(JSON.stringify({ __type: code, message })),
      };
    }
    case 'rest-json':
      return {
        status,
        headers: { ...common, 'content-type': 'application/json', 'x-amzn-errortype': code },
        body: Buffer.from(JSON.stringify({ __type: code, message })),
      };
    case 'rpc-v2-cbor':
      return {
        status,
        headers: {
          ...common,
          'content-type': 'application/cbor',
          'smithy-protocol': 'rpc-v2-cbor',
          'x-amzn-query-error': `${code};${fault}`,
        },
        body: encodeCborStringMap({ __type: code, message }),
      };
    case 'query':
      return xmlError(
        status,
        `<ErrorResponse><Error><Type>${fault}</Type><Code>${escapeXml(code)}</Code>` +
          `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        requestId,
      );
    case 'ec2':
      return xmlError(
        status,
        `<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
          `</Error></Errors><RequestID>${requestId}</RequestID></Response>`,
        requestId,
      );
    case 'rest-xml':
      return xmlError(
        status,
        `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
          `<RequestId>${requestId}</RequestId></Error>`,
        requestId,
      );
  }
}

function xmlError(status: number, xml: string, requestId: string): AwsErrorResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId },
    body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`),
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Minimal CBOR (RFC 8949) for a map of text strings, enough for an rpc-v2-cbor error body. */
export function encodeCborStringMap(map: Record<string, string>): Buffer {
  const entries = Object.entries(map);
  const parts: Buffer[] = [cborHead(5, entries.length)];
  for (const [key, value] of entries) {
    for (const text of [key, value]) {
      const bytes = Buffer.from(text, 'utf8');
      parts.push(cborHead(3, bytes.length), bytes);
    }
  }
  return Buffer.concat(parts);
}

function cborHead(majorType: number, length: number): Buffer {
  const major = majorType << 5;
  if (length < 24) return Buffer.from([major | length]);
  if (length < 0x100) return Buffer.from([major | 24, length]);
  if (length < 0x10000) {
    const head = Buffer.alloc(3);
    head[0] = major | 25;
    head.writeUInt16BE(length, 1);
    return head;
  }
  const head = Buffer.alloc(5);
  head[0] = major | 26;
  head.writeUInt32BE(length, 1);
  return head;
}
