import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CustomResourceResponseError } from '../errors';

/**
 * What a custom resource answers CloudFormation: a JSON document PUT to the request's pre-signed
 * ResponseURL (an S3 URL). CloudFormation waits for it, up to an hour, before the stack goes on.
 */
export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  /** Shown in the stack's events; required with FAILED. */
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  NoEcho?: boolean;
  Data?: Record<string, string>;
}

/** CloudFormation takes a response of at most 4096 bytes. */
export const MAX_CUSTOM_RESOURCE_RESPONSE_BYTES = 4096;

export interface SendResponseOptions {
  /** Time for one PUT, connection to answer, ms (default 10,000). */
  timeoutMs?: number;
  /** PUT attempts, the first included (default 3); a 4xx answer is not retried. */
  attempts?: number;
  /** Wait before attempt n+1 (default 1 s, 2 s, …). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * PUTs the response to the ResponseURL, as CloudFormation documents it: JSON body, an empty
 * Content-Type (the URL is signed without one), a Reason cut so that the body fits 4096 bytes.
 * Retries a failed or timed-out PUT; throws CustomResourceResponseError when every attempt failed.
 */
export async function sendCustomResourceResponse(
  responseUrl: string,
  response: CustomResourceResponse,
  options: SendResponseOptions = {},
): Promise<void> {
  const url = new URL(responseUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CustomResourceResponseError(response, `unsupported ResponseURL protocol ${url.protocol}`);
  }
  const body = responseBody(response);
  const attempts = options.attempts ?? 3;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let lastError = 'no attempt made';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const outcome = await put(url, body, timeoutMs);
    if (outcome.ok) return;
    lastError = outcome.error;
    if (outcome.final) break;
    if (attempt < attempts) await sleep(attempt * 1000);
  }
  throw new CustomResourceResponseError(response, lastError);
}

/** The JSON body, with a Reason shortened (ending in "…") when the whole would exceed 4096 bytes. */
export function responseBody(response: CustomResourceResponse): string {
  const reason = response.Reason ?? '';
  let cut = reason.length;
  for (;;) {
    const body = JSON.stringify(cut < reason.length ? { ...response, Reason: `${reason.slice(0, cut)}…` } : response);
    const excess = Buffer.byteLength(body) - MAX_CUSTOM_RESOURCE_RESPONSE_BYTES;
    if (excess <= 0 || cut === 0) return body;
    // A character takes at least one byte: cutting as many characters as there are bytes too many converges.
    cut = Math.max(0, cut - excess);
  }
}

function put(
  url: URL,
  body: string,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; final: boolean; error: string }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(
      url,
      {
        method: 'PUT',
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ ok: true });
          else
            resolve({ ok: false, final: status >= 400 && status < 500, error: `HTTP ${status} from the ResponseURL` });
        });
        res.on('error', (error) => resolve({ ok: false, final: false, error: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from the ResponseURL within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ok: false, final: false, error: error.message }));
    req.end(body);
  });
}
