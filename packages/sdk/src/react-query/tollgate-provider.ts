import { createContext, createElement, type ReactNode, useContext } from 'react';
import type { TollgateCore } from '../core.js';

const TollgateContext = createContext<TollgateCore | null>(null);

/** Props of {@link TollgateProvider}. */
export interface TollgateProviderProps {
  /** The client (a `Tollgate` or a `TollgateCore`) the hooks call through. */
  client: TollgateCore;
  children?: ReactNode;
}

/**
 * Gives the hooks below it their client. Place it inside React Query's `QueryClientProvider`.
 *
 * @example
 * <QueryClientProvider client={queryClient}>
 *   <TollgateProvider client={new TollgateCore({ apiKey })}>
 *     <App />
 *   </TollgateProvider>
 * </QueryClientProvider>
 */
export function TollgateProvider(props: TollgateProviderProps): ReactNode {
  return createElement(TollgateContext.Provider, { value: props.client }, props.children);
}

/** The client of the nearest {@link TollgateProvider}; throws outside one. */
export function useTollgateClient(): TollgateCore {
  const client = useContext(TollgateContext);
  if (client === null) {
    throw new Error('useTollgateClient: wrap the component tree in <TollgateProvider client={…}>');
  }
  return client;
}
