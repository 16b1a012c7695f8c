/**
 * What the front door reads from the upstream (moto) for the services it emulates itself, with
 * the caller's own credentials: moto does not check signatures, the access key and region pick
 * the account and region.
 */
import type { IncomingMessage } from 'node:http';
import type { BatchLookup } from '../batch/batch-simulator';
import type { ParameterLookup } from '../events/parameter-change-observer';
import type { ParameterFacts } from '../events/parameter-store-change';
import type { Upstream } from './upstream';

/** Batch queues, job definitions and compute environments from moto, with the caller's credentials. */
export function batchLookup(upstream: Upstream, incoming: IncomingMessage['headers']): BatchLookup {
  const describeAll = async (path: string, payload: Record<string, unknown>, field: string): Promise<unknown[]> => {
    const found: unknown[] = [];
    let nextToken: string | undefined;
    do {
      const page = (await upstream.restJson(incoming, path, {
        ...payload,
        ...(nextToken === undefined ? {} : { nextToken }),
      })) as Record<string, unknown> | null;
      const items = page?.[field];
      if (Array.isArray(items)) found.push(...(items as unknown[]));
      nextToken = typeof page?.nextToken === 'string' && page.nextToken !== '' ? page.nextToken : undefined;
    } while (nextToken !== undefined);
    return found;
  };
  return {
    describeJobQueues: (jobQueues) => describeAll('/v1/describejobqueues', { jobQueues }, 'jobQueues'),
    describeJobDefinitions: (request) => describeAll('/v1/describejobdefinitions', request, 'jobDefinitions'),
    describeComputeEnvironments: (computeEnvironments) =>
      describeAll('/v1/describecomputeenvironments', { computeEnvironments }, 'computeEnvironments'),
  };
}

/** Parameters' type and description from moto, with the caller's credentials. */
export function parameterLookup(upstream: Upstream, incoming: IncomingMessage['headers']): ParameterLookup {
  return async (names) => {
    const found = new Map<string, ParameterFacts>();
    let nextToken: string | undefined;
    do {
      const page = (await upstream.json(incoming, 'AmazonSSM.DescribeParameters', {
        ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: names }],
        MaxResults: 50,
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      })) as { Parameters?: { Name?: string; Type?: string; Description?: string }[]; NextToken?: string };
      for (const parameter of page.Parameters ?? []) {
        if (parameter.Name === undefined || parameter.Type === undefined) continue;
        const facts = { type: parameter.Type, description: parameter.Description ?? '' };
        found.set(parameter.Name, facts);
        // moto's Name filter ignores a leading slash: answer for the name as it was asked for too.
        const asked = names.find((name) => name.replace(/^\//, '') === parameter.Name?.replace(/^\//, ''));
        if (asked !== undefined && !found.has(asked)) found.set(asked, facts);
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken !== undefined);
    return found;
  };
}
