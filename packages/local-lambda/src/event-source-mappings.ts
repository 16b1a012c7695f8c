import { paginateListEventSourceMappings, type EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import type { FunctionLoader, LoadedFunction } from './function-loader';

/** What polls an event source locally: the stream mappings, the queue mappings, or nothing. */
export type EventSourceKind = 'dynamodb-stream' | 'sqs-queue' | 'other';

/** The accounts' event source mappings, as ListEventSourceMappings describes them. */
export async function listEventSourceMappings(
  loader: FunctionLoader,
  accounts: readonly string[],
): Promise<EventSourceMappingConfiguration[]> {
  const out: EventSourceMappingConfiguration[] = [];
  for (const account of accounts) {
    for await (const page of paginateListEventSourceMappings({ client: loader.lambda(account) }, {})) {
      out.push(...(page.EventSourceMappings ?? []));
    }
  }
  return out;
}

export function eventSourceKind(mapping: EventSourceMappingConfiguration): EventSourceKind {
  const source = mapping.EventSourceArn ?? '';
  if (/^arn:[\w-]+:dynamodb:[^:]*:\d{12}:table\/[^/]+\/stream\//.test(source)) return 'dynamodb-stream';
  if (/^arn:[\w-]+:sqs:[^:]+:\d{12}:[^:/]+$/.test(source)) return 'sqs-queue';
  return 'other';
}

/**
 * The function a mapping runs, when the mapping is enabled and its function is among the
 * runtime's; otherwise undefined, with the reason added to `skipped`.
 */
export function mappedFunction(
  mapping: EventSourceMappingConfiguration,
  loader: FunctionLoader,
  skipped: string[],
): { uuid: string; functionArn: string; fn: LoadedFunction } | undefined {
  const uuid = mapping.UUID as string;
  if (mapping.State !== undefined && !['Enabled', 'Enabling', 'Creating', 'Updating'].includes(mapping.State)) {
    skipped.push(`event source mapping ${uuid} is ${mapping.State}`);
    return undefined;
  }
  const functionArn = (mapping.FunctionArn ?? '').split(':').slice(0, 7).join(':');
  const fn = loader.byArn(functionArn);
  if (!fn) {
    skipped.push(`event source mapping ${uuid}: function ${functionArn} is not among the runtime's`);
    return undefined;
  }
  return { uuid, functionArn, fn };
}

/** FilterCriteria.Filters[].Pattern, as JSON text. */
export function filterPatternsOf(mapping: EventSourceMappingConfiguration): string[] {
  return (mapping.FilterCriteria?.Filters ?? []).flatMap((filter) =>
    filter.Pattern === undefined ? [] : [filter.Pattern],
  );
}
