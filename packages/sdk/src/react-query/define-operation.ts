import {
  type QueryClient,
  type UseMutationOptions,
  type UseMutationResult,
  type UseQueryOptions,
  type UseQueryResult,
  type UseSuspenseQueryOptions,
  type UseSuspenseQueryResult,
  useMutation,
  useQuery,
  useSuspenseQuery,
} from '@tanstack/react-query';
import type { RequestOptions, TollgateCore } from '../core.js';
import type { SdkError } from '../lib/errors.js';
import { type Result, unwrap } from '../lib/result.js';
import { useTollgateClient } from './tollgate-provider.js';

/** A standalone function seen uniformly: `(core, request, options)`. */
export type Operation<Request, Value> = (
  core: TollgateCore,
  request: Request,
  options?: RequestOptions,
) => Promise<Result<Value, SdkError>>;

/** Query keys: `['@tollgate/sdk', '<operation>', request?]`. */
export type TollgateQueryKey = readonly ['@tollgate/sdk', string, ...unknown[]];

/** React Query options a hook accepts (the key and function are the SDK's). */
export type QueryHookOptions<Value> = Omit<
  UseQueryOptions<Value, SdkError, Value, TollgateQueryKey>,
  'queryKey' | 'queryFn'
> & { request?: RequestOptions };

/** Suspense-hook options. */
export type SuspenseQueryHookOptions<Value> = Omit<
  UseSuspenseQueryOptions<Value, SdkError, Value, TollgateQueryKey>,
  'queryKey' | 'queryFn'
> & { request?: RequestOptions };

/** What `build<Operation>Query` returns: a key and a function, for `useQuery` and friends. */
export interface TollgateQueryOptions<Value> {
  queryKey: TollgateQueryKey;
  queryFn: (context: { signal: AbortSignal }) => Promise<Value>;
}

/** A request argument, optional when the operation takes none or an optional one. */
export type RequestArgs<Request, Options> = undefined extends Request
  ? [request?: Request, options?: Options]
  : [request: Request, options?: Options];

/** Everything generated for one read operation. */
export interface QueryOperation<Request, Value> {
  key(request?: Request): TollgateQueryKey;
  build(
    core: TollgateCore,
    ...args: RequestArgs<Request, RequestOptions>
  ): TollgateQueryOptions<Value>;
  useQuery(...args: RequestArgs<Request, QueryHookOptions<Value>>): UseQueryResult<Value, SdkError>;
  useSuspense(
    ...args: RequestArgs<Request, SuspenseQueryHookOptions<Value>>
  ): UseSuspenseQueryResult<Value, SdkError>;
  prefetch(
    client: QueryClient,
    core: TollgateCore,
    ...args: RequestArgs<Request, never>
  ): Promise<void>;
  invalidate(client: QueryClient, ...args: RequestArgs<Request, never>): Promise<void>;
  invalidateAll(client: QueryClient): Promise<void>;
}

/** Builds the query key, query options, hooks and cache helpers of one read operation. */
export function defineQuery<Request, Value>(
  name: string,
  operation: Operation<Request, Value>,
): QueryOperation<Request, Value> {
  const key = (request?: Request): TollgateQueryKey =>
    request === undefined ? ['@tollgate/sdk', name] : ['@tollgate/sdk', name, request];
  const build = (core: TollgateCore, request?: Request, options?: RequestOptions) => ({
    queryKey: key(request),
    queryFn: async ({ signal }: { signal: AbortSignal }) =>
      unwrap(await operation(core, request as Request, { ...options, signal })),
  });
  return {
    key,
    build: (core, ...[request, options]) => build(core, request, options),
    useQuery(...[request, options = {}]) {
      const { request: requestOptions, ...queryOptions } = options;
      return useQuery({ ...queryOptions, ...build(useTollgateClient(), request, requestOptions) });
    },
    useSuspense(...[request, options = {}]) {
      const { request: requestOptions, ...queryOptions } = options;
      const built = build(useTollgateClient(), request, requestOptions);
      return useSuspenseQuery({ ...queryOptions, ...built });
    },
    prefetch: (client, core, ...[request]) => client.prefetchQuery(build(core, request)),
    invalidate: (client, ...[request]) => client.invalidateQueries({ queryKey: key(request) }),
    invalidateAll: (client) => client.invalidateQueries({ queryKey: key() }),
  };
}

/** Mutation options a hook accepts. */
export type MutationHookOptions<Request, Value> = Omit<
  UseMutationOptions<Value, SdkError, Request>,
  'mutationFn'
> & { request?: RequestOptions };

/** Everything generated for one write operation. */
export interface MutationOperation<Request, Value> {
  build(
    core: TollgateCore,
    options?: RequestOptions,
  ): { mutationKey: TollgateQueryKey; mutationFn: (request: Request) => Promise<Value> };
  useMutation(
    options?: MutationHookOptions<Request, Value>,
  ): UseMutationResult<Value, SdkError, Request>;
}

/** Builds the mutation options and hook of one write operation. */
export function defineMutation<Request, Value>(
  name: string,
  operation: Operation<Request, Value>,
): MutationOperation<Request, Value> {
  const build = (core: TollgateCore, options?: RequestOptions) => ({
    mutationKey: ['@tollgate/sdk', name] as const,
    mutationFn: async (request: Request) => unwrap(await operation(core, request, options)),
  });
  return {
    build,
    useMutation(options = {}) {
      const { request: requestOptions, ...mutationOptions } = options;
      return useMutation({ ...mutationOptions, ...build(useTollgateClient(), requestOptions) });
    },
  };
}
