export {
  defineMutation,
  defineQuery,
  type MutationHookOptions,
  type QueryHookOptions,
  type SuspenseQueryHookOptions,
  type TollgateQueryKey,
  type TollgateQueryOptions,
} from './define-operation.js';
export * from './operations.js';
export {
  TollgateProvider,
  type TollgateProviderProps,
  useTollgateClient,
} from './tollgate-provider.js';
